import { describe, expect, it } from 'vitest';
import { boundLog, narrowed } from './fetch-results.ts';
import { listSpec, RESOURCES } from './planner.ts';

describe('boundLog', () => {
  const id = (l: string) => l;
  it('keeps the newest lines within tailLines and limitBytes, each redacted', () => {
    expect(boundLog('a\nb\nc\n', 2, 1000, id)).toEqual({ lines: ['b', 'c'], truncated: true });
    expect(boundLog('aaaa\nbbbb\ncccc\n', 10, 10, id)).toEqual({ lines: ['bbbb', 'cccc'], truncated: true });
    expect(boundLog('x'.repeat(50), 10, 8, id)).toEqual({ lines: ['xxxxxxxx'], truncated: true });
    expect(boundLog('a\r\nb\r\n', 10, 100, (l) => l.toUpperCase())).toEqual({ lines: ['A', 'B'], truncated: false });
    expect(boundLog('', 10, 100, id)).toEqual({ lines: [], truncated: false });
  });

  it('keeps the newest lines within both limits', () => {
    expect(boundLog('a\nb\nc\nd\n', 2, 1000)).toEqual({ lines: ['c', 'd'], truncated: true });
    expect(boundLog('a\nb\nc\n', 10, 1000)).toEqual({ lines: ['a', 'b', 'c'], truncated: false });
    // "ccc\n" + "dd\n" = 7 bytes; "bb\n" would make 10 > 8.
    expect(boundLog('bb\nccc\ndd\n', 10, 8)).toEqual({ lines: ['ccc', 'dd'], truncated: true });
  });

  it('drops the partial last line of a body cut on the wire, and keeps the start of one overlong line', () => {
    expect(boundLog('a\nb\npartial', 10, 1000, undefined, true)).toEqual({ lines: ['a', 'b'], truncated: true });
    expect(boundLog('x'.repeat(50), 10, 8)).toEqual({ lines: ['xxxxxxxx'], truncated: true });
  });

  it('counts bytes, not characters, and never splits a character', () => {
    const r = boundLog('ééééé', 10, 5);
    expect(r.truncated).toBe(true);
    expect(r.lines).toEqual(['éé']);
  });
});

describe('narrowed', () => {
  const ev = (kind: string, name: string, group: 'core' | 'v1' = 'core') => ({ kind: 'Event', metadata: { name: `${name}.1` }, [group === 'core' ? 'involvedObject' : 'regarding']: { kind, name } });
  const events = [ev('Pod', 'a'), ev('Pod', 'b', 'v1'), ev('Pod', 'z'), ev('Deployment', 'cart'), ev('ReplicaSet', 'cart-1', 'v1')];
  const spec = listSpec(RESOURCES.events, 'shop', 'required', 'events of namespace shop', { limit: 500 });

  it("keeps a namespace's events about the session's pods and about anything that is not a Pod", () => {
    const r = narrowed({ ...spec, onlyPods: ['a', 'b'] }, { state: 'list', items: events, more: true });
    expect(r).toEqual({ state: 'list', items: [ev('Pod', 'a'), ev('Pod', 'b', 'v1'), ev('Deployment', 'cart'), ev('ReplicaSet', 'cart-1', 'v1')], more: true });
  });

  it("also keeps the events about pods named after the group's workloads (podPrefixes)", () => {
    const r = narrowed({ ...spec, onlyPods: ['a'], podPrefixes: ['z'] }, { state: 'list', items: events, more: false });
    expect(r).toEqual({ state: 'list', items: [ev('Pod', 'a'), ev('Pod', 'z'), ev('Deployment', 'cart'), ev('ReplicaSet', 'cart-1', 'v1')], more: false });
  });

  it('leaves other specs and other results as they are', () => {
    const list = { state: 'list' as const, items: events, more: false };
    expect(narrowed(spec, list)).toBe(list);
    const failed = { state: 'failed' as const, reason: 'forbidden' as const, message: 'no' };
    expect(narrowed({ ...spec, onlyPods: ['a'] }, failed)).toBe(failed);
  });
});
