// PLACEHOLDER: this family is being written; until then it defines no rules and finds nothing.
import type { RuleFamily } from '../types.ts';

export const imagePull: RuleFamily = { name: 'image-pull', rules: [], detect: () => [] };
