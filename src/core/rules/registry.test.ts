import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULE_FAMILIES, allRules } from './registry.ts';
import { KUBE_PROMETHEUS_ALERTS } from '../runbooks.ts';
import { LAYERS } from '../types.ts';
import { FORBIDDEN_STEP } from '../next-steps.ts';

const FOLDER = fileURLToPath(new URL('.', import.meta.url));

// The public contract: these ids must exist exactly (issue 2).
const CONTRACT_IDS = [
  'crashloop.app-error', 'crashloop.oom', 'crashloop.bad-command', 'crashloop.exited-zero', 'crashloop.liveness-probe', 'container.oom-killed', 'container.create-failed', 'init-container.failing',
  'image-pull.not-found', 'image-pull.unauthorized', 'image-pull.rate-limited', 'image-pull.network', 'image-pull.tls', 'image-pull.invalid-name',
  'config.missing-configmap', 'config.missing-secret', 'config.missing-key',
  'probe.readiness-failing', 'probe.startup-failing',
  'scheduling.insufficient-cpu', 'scheduling.insufficient-memory', 'scheduling.insufficient-resource', 'scheduling.untolerated-taint', 'scheduling.node-selector-mismatch', 'scheduling.pod-affinity', 'scheduling.topology-spread', 'scheduling.unbound-pvc', 'scheduling.volume-node-affinity-conflict', 'scheduling.node-unschedulable', 'scheduling.autoscaler-max', 'scheduling.port-conflict',
  'storage.pvc-pending', 'storage.mount-failed', 'storage.multi-attach', 'storage.attach-failed', 'storage.permission-denied',
  'service.no-endpoints', 'service.endpoints-not-ready', 'service.port-mismatch', 'dns.resolution-failure', 'network.policy-blocked',
  'rollout.stuck', 'rollout.failed-create', 'quota.exceeded', 'admission.denied', 'job.backoff-limit', 'job.deadline-exceeded',
  'node.not-ready', 'node.memory-pressure', 'node.disk-pressure', 'node.pid-pressure', 'node.network-unavailable', 'pod.evicted',
  'control-plane.etcd', 'healthy', 'unknown',
];

describe('rule registry', () => {
  it('lists exactly the rule family files in this folder', () => {
    const files = readdirSync(FOLDER).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'registry.ts').map((f) => f.replace(/\.ts$/, '')).sort();
    expect(RULE_FAMILIES.map((f) => f.name).sort()).toEqual(files);
  });

  it('registers every contract id exactly once', () => {
    const ids = allRules().map((r) => r.id);
    const all = RULE_FAMILIES.flatMap((f) => f.rules.map((r) => r.id));
    expect(new Set(all).size).toBe(all.length);
    expect([...ids].sort()).toEqual([...CONTRACT_IDS].sort());
  });

  it('gives every rule complete metadata', () => {
    for (const rule of allRules()) {
      expect(rule.title.length, rule.id).toBeGreaterThan(3);
      expect(LAYERS, rule.id).toContain(rule.layer);
      expect(rule.meaning.length, rule.id).toBeGreaterThan(10);
      expect(rule.evidenceNeeded.length, rule.id).toBeGreaterThan(5);
      expect(rule.docs, rule.id).toMatch(/^https:\/\/kubernetes\.io\/docs\//);
      if (rule.runbookAlert) expect(KUBE_PROMETHEUS_ALERTS, rule.id).toContain(rule.runbookAlert);
    }
  });

  it('suggests read-only steps first and never deletes a PVC or a namespace', () => {
    for (const rule of allRules()) {
      const steps = rule.nextSteps({ id: rule.id, confidence: 1, summary: '', evidence: [], subject: { kind: 'Pod', namespace: 'ns1', name: 'obj1', container: 'c1' }, vars: { owner: 'deployment/web', node: 'worker-1', claim: 'data-0', service: 'svc1' } });
      expect(steps.length, rule.id).toBeGreaterThan(0);
      expect(steps[0]!.safety, rule.id).toBe('read-only');
      for (const s of steps) {
        expect(s.command, rule.id).not.toMatch(FORBIDDEN_STEP);
        expect(s.command, rule.id).toMatch(/^kubectl /);
        expect(s.command, rule.id).not.toContain('undefined');
      }
    }
  });
});
