import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/types.ts';
import { inferTarget } from './service.ts';

describe('inferTarget over inline objects that are any JSON (found by test/hardening fuzzing: null threw a TypeError, a 500)', () => {
  const cart = { kind: 'Pod', metadata: { name: 'cart-1', namespace: 'shop' } };
  it('skips values that are not objects, at the top and in a List', () => {
    expect(inferTarget([null, 'x', 3, [], cart] as unknown as KubeObject[], undefined)).toEqual({ ok: true, target: { kind: 'Pod', name: 'cart-1', namespace: 'shop' } });
    expect(inferTarget([{ kind: 'List', items: [null, cart, 'y'] }] as unknown as KubeObject[], undefined)).toEqual({ ok: true, target: { kind: 'Pod', name: 'cart-1', namespace: 'shop' } });
  });

  it('takes a name or namespace only when it is a string', () => {
    const numeric = { kind: 'Pod', metadata: { name: 5, namespace: ['shop'] } };
    expect(inferTarget([numeric, cart] as unknown as KubeObject[], undefined)).toEqual({ ok: true, target: { kind: 'Pod', name: 'cart-1', namespace: 'shop' } });
    expect(inferTarget([numeric, { kind: 'Pod', metadata: 'cart-2' }] as unknown as KubeObject[], undefined)).toMatchObject({ ok: false, problem: { status: 400 } });
  });
});
