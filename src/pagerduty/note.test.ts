import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../core/types.ts';
import { MAX_NOTE_CHARS, renderIncidentNote } from './note.ts';

const diagnosis: Diagnosis = {
  id: 'crashloop.oom', title: 'Crash loop: the container is OOMKilled', layer: 'application', confidence: 0.95,
  summary: 'Container cart of pod shop/cart-1 is OOMKilled at its 256Mi limit.',
  subject: { kind: 'Pod', namespace: 'shop', name: 'cart-1' },
  evidence: [1, 2, 3, 4, 5].map((i) => ({ source: `evidence source ${i}`, text: `evidence line ${i}` })),
  nextSteps: [
    { command: 'kubectl -n shop describe pod cart-1', why: 'see the last state', safety: 'read-only' },
    { command: 'kubectl -n shop delete pod cart-1', why: 'start over', safety: 'risky' },
    { command: 'kubectl -n shop logs cart-1 --previous', why: 'the last words', safety: 'read-only' },
    { command: 'kubectl -n shop set resources deploy/cart --limits=memory=512Mi', why: 'more memory', safety: 'reversible' },
    { command: 'kubectl -n shop top pod cart-1', why: 'usage now', safety: 'read-only' },
  ],
  runbooks: ['https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping'],
};

describe('incident note', () => {
  it('is short readable text: diagnosis, top evidence, the first safe steps, runbooks', () => {
    const note = renderIncidentNote({ target: diagnosis.subject, diagnosis, partial: false, errors: [], via: "incident's alert details" });
    expect(note.split('\n').slice(0, 3)).toEqual(["kubetriage: Pod shop/cart-1 (found from the incident's alert details)", '', 'crashloop.oom · Crash loop: the container is OOMKilled']);
    expect(note).toContain('evidence line 3');
    expect(note).not.toContain('evidence line 4');
    expect(note).toContain('kubectl -n shop describe pod cart-1');
    expect(note).toContain('kubectl -n shop logs cart-1 --previous');
    expect(note).toContain('kubectl -n shop set resources deploy/cart --limits=memory=512Mi');
    expect(note).not.toContain('delete pod');
    expect(note).not.toContain('top pod');
    expect(note).toContain(diagnosis.runbooks[0]);
  });

  it('says when the evidence was partial, and stays bounded', () => {
    const long = { ...diagnosis, summary: 's'.repeat(20_000), evidence: [{ source: 'x', text: 'y'.repeat(20_000) }] };
    const note = renderIncidentNote({ target: diagnosis.subject, diagnosis: long, partial: true, errors: [{ reason: 'forbidden', resource: 'pods/log', message: 'cannot get pods/log in namespace shop' }], via: 'x' });
    expect(note.length).toBeLessThanOrEqual(MAX_NOTE_CHARS);
    const short = renderIncidentNote({ target: diagnosis.subject, diagnosis, partial: true, errors: [{ reason: 'forbidden', resource: 'pods/log', message: 'cannot get pods/log in namespace shop' }], via: 'x' });
    expect(short).toContain('Partial evidence: cannot get pods/log in namespace shop');
  });
});
