// The explicit list of rule families. Order breaks confidence ties: earlier families win.
// A test checks that this list and the files in this folder agree.
import type { RuleDefinition, RuleFamily } from '../types.ts';
import { crashloop } from './crashloop.ts';
import { imagePull } from './image-pull.ts';
import { config } from './config.ts';
import { probes } from './probes.ts';
import { scheduling } from './scheduling.ts';
import { storage } from './storage.ts';
import { networking } from './networking.ts';
import { controllers } from './controllers.ts';
import { nodes } from './nodes.ts';
import { controlPlane } from './control-plane.ts';
import { outcomes } from './outcomes.ts';

export const RULE_FAMILIES: readonly RuleFamily[] = [
  crashloop, imagePull, config, probes, scheduling, storage, networking, controllers, nodes, controlPlane, outcomes,
];

const BY_ID = new Map<string, RuleDefinition>(RULE_FAMILIES.flatMap((f) => f.rules.map((r) => [r.id, r] as const)));

export function ruleById(id: string): RuleDefinition {
  const rule = BY_ID.get(id);
  if (!rule) throw new Error(`no rule is registered for diagnosis id ${id}`);
  return rule;
}

export function allRules(): RuleDefinition[] {
  return [...BY_ID.values()];
}
