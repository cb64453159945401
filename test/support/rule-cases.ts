// The table format every rule family is tested with: cases where a rule must fire, and cases
// where the family must stay silent. Firing cases also check the engine's primary diagnosis.
import { describe, expect, it } from 'vitest';
import type { EvidenceBundle, RuleFamily } from '../../src/core/types.ts';
import { buildSnapshot } from '../../src/core/snapshot.ts';
import { diagnose } from '../../src/core/diagnose.ts';

export interface RuleCase {
  name: string;
  bundle: EvidenceBundle;
  /** The id that must fire. Omit for a silent case: then the family must find nothing. */
  fires?: string;
  /** Ids that must not fire even though this case fires something else. */
  silent?: string[];
  /** Whether the engine must pick `fires` as the primary diagnosis (default true). */
  primary?: boolean;
  /** Substrings the finding's summary must contain. */
  summaryIncludes?: string[];
}

export function ruleCases(family: RuleFamily, cases: RuleCase[]): void {
  describe(`rule family ${family.name}`, () => {
    for (const c of cases) {
      it(`${c.fires ? `fires ${c.fires}` : 'stays silent'}: ${c.name}`, () => {
        const findings = family.detect(buildSnapshot(c.bundle));
        const ids = findings.map((f) => f.id);
        if (!c.fires) {
          expect(ids).toEqual([]);
          return;
        }
        expect(ids).toContain(c.fires);
        for (const s of c.silent ?? []) expect(ids).not.toContain(s);
        const finding = findings.find((f) => f.id === c.fires)!;
        expect(finding.evidence.length).toBeGreaterThan(0);
        for (const part of c.summaryIncludes ?? []) expect(finding.summary).toContain(part);
        if (c.primary !== false) {
          const result = diagnose(c.bundle);
          expect(result.diagnosis.id).toBe(c.fires);
          expect(result.diagnosis.nextSteps[0]?.safety).toBe('read-only');
        }
      });
    }
  });
}
