import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './auth.ts';

const SECRET = 'token-0123456789abcdef';

describe('constantTimeEqual', () => {
  it.each([
    ['the same value', SECRET, SECRET, true],
    ['the last character differs', `${SECRET.slice(0, -1)}g`, SECRET, false],
    ['the first character differs', `x${SECRET.slice(1)}`, SECRET, false],
    ['a prefix of it', SECRET.slice(0, 10), SECRET, false],
    ['it with more after', `${SECRET}0`, SECRET, false],
    ['it with a NUL after', `${SECRET}\0`, SECRET, false],
    ['empty', '', SECRET, false],
    ['a NUL-padded prefix of the same length', `${SECRET.slice(0, -1)}\0`, SECRET, false],
    ['non-ASCII, equal', 'päss-wörd-✓-0123456789', 'päss-wörd-✓-0123456789', true],
    ['non-ASCII, one code unit apart', 'päss-wörd-✓-0123456789', 'päss-wörd-✔-0123456789', false],
  ])('%s → %s', (_case, candidate, accepted, expected) => {
    expect(constantTimeEqual(candidate, accepted)).toBe(expected);
  });

  it('agrees with === on generated strings (equal, near-equal and unrelated)', () => {
    const pair = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => [s, s] as const),
      fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.nat(), fc.string({ unit: 'binary', maxLength: 2 }))
        .map(([s, at, insert]) => [s, s.slice(0, at % s.length) + insert + s.slice((at % s.length) + 1)] as const),
      fc.tuple(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })),
    );
    fc.assert(fc.property(pair, ([a, b]) => constantTimeEqual(a, b) === (a === b)), { numRuns: 20_000, seed: 42 });
  });
});
