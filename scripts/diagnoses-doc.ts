// Renders docs/diagnoses.md from the rule registry, so the documented ids, layers, meanings
// and next steps are always the ones the code has.
import { RULE_FAMILIES } from '../src/core/rules/registry.ts';
import { kubePrometheusRunbook } from '../src/core/runbooks.ts';

const EXAMPLE = {
  id: '', confidence: 1, summary: '', evidence: [],
  subject: { kind: 'Pod', namespace: 'NAMESPACE', name: 'NAME', container: 'CONTAINER' },
  vars: { owner: 'deployment/OWNER', node: 'NODE', claim: 'CLAIM', service: 'SERVICE', configmap: 'CONFIGMAP', secret: 'SECRET', key: 'KEY', host: 'HOST', quota: 'QUOTA', storageClass: 'STORAGECLASS', serviceAccount: 'SERVICEACCOUNT', image: 'IMAGE' },
};

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderDiagnosesDoc(): string {
  const out = [
    '# Diagnoses',
    '',
    '<!-- Generated from src/core/rules/registry.ts by `npm run docs:diagnoses`. Do not edit by hand: a test fails when this file is stale. -->',
    '',
    'Every diagnosis kubetriage returns has one of these stable ids. Next steps are shown with placeholders',
    '(`NAMESPACE`, `NAME`, ...); in a real diagnosis they are filled in. Steps are ordered read-only first,',
    'then reversible, then risky.',
    '',
    '| id | title | layer | family |',
    '| --- | --- | --- | --- |',
  ];
  for (const family of RULE_FAMILIES) for (const r of family.rules) out.push(`| [\`${r.id}\`](#${r.id.replace(/\./g, '')}) | ${cell(r.title)} | ${r.layer} | ${family.name} |`);
  for (const family of RULE_FAMILIES) {
    for (const r of family.rules) {
      out.push('', `## ${r.id}`, '', `**${cell(r.title)}** · layer \`${r.layer}\``, '', `Meaning: ${r.meaning}`, '', `Evidence needed: ${r.evidenceNeeded}`, '', 'Next steps:', '');
      for (const s of r.nextSteps({ ...EXAMPLE, id: r.id })) out.push(`- \`${s.command}\` (${s.safety}): ${s.why}`);
      out.push('', `Runbooks: ${[...(r.runbookAlert ? [kubePrometheusRunbook(r.runbookAlert)] : []), r.docs].map((u) => `<${u}>`).join(', ')}`);
    }
  }
  return out.join('\n') + '\n';
}
