import { writeFileSync } from 'node:fs';
import { renderDiagnosesDoc } from './diagnoses-doc.ts';

writeFileSync(new URL('../docs/diagnoses.md', import.meta.url), renderDiagnosesDoc());
console.log('wrote docs/diagnoses.md');
