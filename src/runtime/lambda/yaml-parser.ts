// The real YAML parser, behind a dynamic import() of yaml-on-demand.ts (a lazy chunk on Lambda).
export { parse } from 'yaml';
