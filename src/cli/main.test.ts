import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from './main.ts';
import { snapshotSource } from '../evidence/snapshot-source.ts';
import { pod } from '../../test/support/kube-builders.ts';

const oomPod = pod({ name: 'cart-1', containers: [{ name: 'cart', restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] });
const healthyPod = pod({ name: 'web-1' });

function fakeIo(files: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  let evidenceCalls = 0;
  const io: CliIo = {
    readInput: async (p) => {
      if (!(p in files)) throw new Error(`ENOENT ${p}`);
      return files[p]!;
    },
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    evidence: async () => {
      evidenceCalls++;
      const source = snapshotSource({ objects: [oomPod as never], logs: [] }, 'fake cluster');
      return { openSession: () => source.session({ signal: new AbortController().signal }), evidenceDescription: source.description };
    },
  };
  return { io, out, err, evidenceCalls: () => evidenceCalls };
}

describe('kubetriage diagnose', () => {
  it('prints the same JSON as the REST endpoint for --input FILE', async () => {
    const f = fakeIo({ 'req.json': JSON.stringify({ objects: [oomPod] }) });
    expect(await runCli(['diagnose', '--input', 'req.json'], f.io)).toBe(0);
    const response = JSON.parse(f.out.join('')) as { diagnosis: { id: string }; target: { name: string } };
    expect(response.diagnosis.id).toBe('crashloop.oom');
    expect(response.target.name).toBe('cart-1');
    expect(f.evidenceCalls()).toBe(0);
  });

  it('runs a JSONL batch: one response per line, a bad line becomes an error line and the batch goes on', async () => {
    const batch = [JSON.stringify({ objects: [oomPod] }), '{not json', '', JSON.stringify({ target: { kind: 'Pod', name: 'x' } }), JSON.stringify({ objects: [healthyPod] })].join('\n');
    const f = fakeIo({ 'b.jsonl': batch });
    expect(await runCli(['diagnose', '--jsonl', '--input', 'b.jsonl'], f.io)).toBe(1);
    const lines = f.out.join('').trim().split('\n').map((l) => JSON.parse(l) as { diagnosis?: { id: string }; line?: number; error?: { status: number; errors?: Array<{ path: string }> } });
    expect(lines).toHaveLength(4);
    expect(lines[0]!.diagnosis!.id).toBe('crashloop.oom');
    expect(lines[1]).toMatchObject({ line: 2, error: { status: 400 } });
    expect(lines[2]!.line).toBe(4);
    expect(lines[2]!.error!.errors!.map((e) => e.path)).toContain('target.namespace');
    expect(lines[3]!.diagnosis!.id).toBe('healthy');
  });

  it('renders text for a human: diagnosis, then evidence, then next steps', async () => {
    const f = fakeIo({ 'req.json': JSON.stringify({ objects: [oomPod] }) });
    expect(await runCli(['diagnose', '--input', 'req.json', '--format', 'text'], f.io)).toBe(0);
    const text = f.out.join('');
    const [d, e, s] = ['crashloop.oom', 'Evidence:', 'Next steps'].map((x) => text.indexOf(x));
    expect(d).toBeGreaterThan(-1);
    expect(e).toBeGreaterThan(d!);
    expect(s).toBeGreaterThan(e!);
    expect(text).toContain('kubectl -n shop describe pod cart-1');
  });

  it('reads a KIND/NAME target from the evidence source', async () => {
    const f = fakeIo({});
    expect(await runCli(['diagnose', 'pod/cart-1', '-n', 'shop'], f.io)).toBe(0);
    expect((JSON.parse(f.out.join('')) as { evidenceSource: string }).evidenceSource).toBe('fake cluster');
    expect(f.evidenceCalls()).toBe(1);
  });

  it('rejects bad usage with exit code 2', async () => {
    const f = fakeIo({});
    expect(await runCli(['diagnose'], f.io)).toBe(2);
    expect(await runCli(['diagnose', 'banana/x', '-n', 'shop'], f.io)).toBe(2);
    expect(await runCli(['diagnose', 'pod/../etc', '-n', 'shop'], f.io)).toBe(2);
    expect(await runCli(['frobnicate'], f.io)).toBe(2);
    expect(f.err.join('')).toContain('usage');
  });

  it('applies the input limits of POST /v1/diagnose to every line (found by test/hardening fuzzing: a deep line was an "internal" 500)', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const batch = [`{"objects":[{"kind":${deep}}]}`, JSON.stringify({ objects: [healthyPod], alert: { labels: { alertname: 'x'.repeat(20_000) } } }), JSON.stringify({ objects: [oomPod] })].join('\n');
    const f = fakeIo({ 'b.jsonl': batch });
    expect(await runCli(['diagnose', '--jsonl', '--input', 'b.jsonl'], f.io)).toBe(1);
    const lines = f.out.join('').trim().split('\n').map((l) => JSON.parse(l) as { line?: number; error?: { status: number; errors: Array<{ path: string }> }; diagnosis?: { id: string } });
    expect(lines[0]).toMatchObject({ line: 1, error: { status: 400, errors: [{ path: `objects.0.kind${'.0'.repeat(61)}` }] } });
    expect(lines[1]).toMatchObject({ line: 2, error: { status: 400, errors: [{ path: 'alert.labels.alertname' }] } });
    expect(lines[2]!.diagnosis!.id).toBe('crashloop.oom');
  });
});
