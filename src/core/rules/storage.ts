// PLACEHOLDER: this family is being written; until then it defines no rules and finds nothing.
import type { RuleFamily } from '../types.ts';

export const storage: RuleFamily = { name: 'storage', rules: [], detect: () => [] };
