import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderDiagnosesDoc } from '../../scripts/diagnoses-doc.ts';
import { allRules } from '../../src/core/rules/registry.ts';

describe('docs/diagnoses.md', () => {
  it('is what the registry generates (run `npm run docs:diagnoses` when this fails)', () => {
    const committed = readFileSync(new URL('../../docs/diagnoses.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderDiagnosesDoc());
  });

  it('documents every registered id', () => {
    const doc = renderDiagnosesDoc();
    for (const r of allRules()) expect(doc).toContain(`## ${r.id}\n`);
  });
});
