import { describe, expect, it } from 'vitest';
import { crashloop, suggestLimit } from './crashloop.ts';
import { ruleCases } from '../../../test/support/rule-cases.ts';
import { bundle, event, pod, previousLog } from '../../../test/support/kube-builders.ts';

const backoff = { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=app pod=cart-7d9f8b6c5d-x2x9k_shop(1f0c)' } };
const term = (reason: string, exitCode: number, message?: string) => ({ terminated: { reason, exitCode, startedAt: '2026-11-21T09:10:00Z', finishedAt: '2026-11-21T09:10:30Z', ...(message ? { message } : {}) } });

ruleCases(crashloop, [
  {
    name: 'CrashLoopBackOff whose lastState is OOMKilled',
    bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 7, state: backoff, lastState: term('OOMKilled', 137), spec: { resources: { limits: { memory: '256Mi' } } } }] })]),
    fires: 'crashloop.oom', silent: ['crashloop.app-error', 'container.oom-killed'], summaryIncludes: ['OOMKilled', '256Mi', '7 restarts'],
  },
  {
    name: 'a single OOMKill of a container that is running again',
    bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 1, lastState: term('OOMKilled', 137) }] })]),
    fires: 'container.oom-killed', silent: ['crashloop.oom'],
  },
  {
    name: 'exit 137 without OOMKilled but with liveness failures',
    bundle: bundle([
      pod({ containers: [{ name: 'app', restartCount: 4, state: backoff, lastState: term('Error', 137) }] }),
      event({ name: 'cart-7d9f8b6c5d-x2x9k', reason: 'Unhealthy', message: 'Liveness probe failed: Get "http://10.244.1.7:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)', count: 12, fieldPath: 'spec.containers{app}' }),
      event({ name: 'cart-7d9f8b6c5d-x2x9k', reason: 'Killing', message: 'Container app failed liveness probe, will be restarted', type: 'Normal', count: 4, fieldPath: 'spec.containers{app}' }),
    ]),
    fires: 'crashloop.liveness-probe', silent: ['crashloop.app-error'],
  },
  {
    name: 'exit 1 with an application stack trace in the previous logs',
    bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 5, state: backoff, lastState: term('Error', 1) }] })],
      { logs: [previousLog('app', ['starting ledger v2.3.1', 'panic: runtime error: invalid memory address or nil pointer dereference', '[signal SIGSEGV: segmentation violation]'])] }),
    fires: 'crashloop.app-error', summaryIncludes: ['exits with code 1', 'panic: runtime error'],
  },
  {
    name: 'exit 127: command not found',
    bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 3, state: backoff, lastState: term('Error', 127) }] })]),
    fires: 'crashloop.bad-command',
  },
  {
    name: 'containerd StartError: executable file not found',
    bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 2, state: backoff, lastState: term('StartError', 128, 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/app/server": stat /app/server: no such file or directory: unknown') }] })]),
    fires: 'crashloop.bad-command',
  },
  {
    name: 'a process that exits 0 under restartPolicy Always',
    bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 9, state: backoff, lastState: term('Completed', 0) }] })]),
    fires: 'crashloop.exited-zero',
  },
  {
    name: 'an init container that keeps failing',
    bundle: bundle([pod({ phase: 'Pending', initContainers: [{ name: 'migrate', restartCount: 3, state: backoff, lastState: term('Error', 1) }],
      containers: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }] })]),
    fires: 'init-container.failing', silent: ['crashloop.app-error'],
  },
  {
    name: 'CreateContainerError from the runtime',
    bundle: bundle([pod({ phase: 'Pending', containers: [{ name: 'app', state: { waiting: { reason: 'CreateContainerError', message: 'failed to reserve container name "app_cart_shop_0": name "app_cart_shop_0" is reserved for "8a7f"' } } }] })]),
    fires: 'container.create-failed',
  },
  { name: 'a running, ready pod', bundle: bundle([pod()]) },
  { name: 'a pod that restarted once long ago after a clean exit', bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 1, lastState: term('Completed', 0) }] })]) },
  { name: 'a pending pod with no container statuses', bundle: bundle([pod({ phase: 'Pending' })]) },
  { name: 'waiting for an image pull is not a crash loop', bundle: bundle([pod({ phase: 'Pending', containers: [{ name: 'app', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } } }] })]) },
]);

describe('crashloop helpers', () => {
  it('doubles a memory limit and keeps its unit', () => {
    expect(suggestLimit('256Mi')).toBe('512Mi');
    expect(suggestLimit('1.5Gi')).toBe('3Gi');
    expect(suggestLimit('weird')).toBe('weird');
  });
});
