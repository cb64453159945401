import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTimes } from './kube.ts';

// Timestamps as the API server writes them (metav1.Time: seconds; MicroTime: microseconds), and
// with other fraction lengths, all in UTC.
const utc = fc.tuple(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 9 }), fc.stringMatching(/^\d{9}$/))
  .map(([d, digits, fraction]) => d.toISOString().slice(0, 19) + (digits ? `.${fraction.slice(0, digits)}` : '') + 'Z');
const time = fc.oneof(utc, fc.constant(''), fc.constantFrom('2024-05-01T10:00:00+02:00', '2024-05-01T10:00:00.5-01:00', 'yesterday', '2024-05-01 10:00:00', '2024-05-01t10:00:00z', 'Z', '.'));

describe('compareTimes', () => {
  it('orders like localeCompare, for API server timestamps and for anything else', () => {
    fc.assert(fc.property(time, time, (a, b) => {
      expect(Math.sign(compareTimes(a, b))).toBe(Math.sign(a.localeCompare(b)));
    }), { numRuns: 5000 });
    // Same second, different fraction lengths, and the edges of the layout.
    const edge = ['', '2024-05-01T10:00:00Z', '2024-05-01T10:00:00.1Z', '2024-05-01T10:00:00.10Z', '2024-05-01T10:00:00.123456Z', '2024-05-01T10:00:00.123456789Z', '2024-05-01T10:00:01Z', '2024-05-01T09:59:59.999999Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z'];
    for (const a of edge) for (const b of edge) expect(Math.sign(compareTimes(a, b)), `${a} vs ${b}`).toBe(Math.sign(a.localeCompare(b)));
  });
});
