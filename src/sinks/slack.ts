// Slack incoming-webhook receiver: one Block Kit message per alert. A header with the diagnosis
// and the object, fields (layer, confidence, namespace, cluster), the top evidence lines, the
// next steps as code, runbook buttons, and a plain `text` fallback for notifications. Resolved
// alerts are rendered as resolved. Everything is redacted before it leaves; the webhook URL (the
// credential) is only the request target.
import type { EnrichedAlert, EnrichedGroup } from '../alertmanager/enrich.ts';
import { redactDeep } from '../redact/redact.ts';
import { viewAlert } from './alert-view.ts';
import type { OutboundRequest, Sink } from './sink.ts';

/** Slack's documented Block Kit limits. */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  fields: 10,
  fieldText: 2000,
  actionElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  contextElements: 10,
} as const;

const MAX_EVIDENCE = 5;
const MAX_STEPS = 5;
const MAX_BUTTONS = 6;
const MAX_LINE = 600;

type Text = { type: 'plain_text' | 'mrkdwn'; text: string; emoji?: boolean };
export type SlackBlock =
  | { type: 'header'; text: Text }
  | { type: 'section'; text?: Text; fields?: Text[] }
  | { type: 'actions'; elements: Array<{ type: 'button'; text: Text; url: string; action_id: string }> }
  | { type: 'context'; elements: Text[] }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  unfurl_links: false;
  unfurl_media: false;
}

/** mrkdwn control characters (Slack: escape &, < and > in every text). */
export const escapeMrkdwn = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const mrkdwn = (text: string, max: number = SLACK_LIMITS.sectionText): Text => ({ type: 'mrkdwn', text: cut(text, max) });
const plain = (text: string, max: number): Text => ({ type: 'plain_text', text: cut(text, max), emoji: true });
const field = (label: string, value: string): Text => mrkdwn(`*${label}*\n${escapeMrkdwn(value)}`, SLACK_LIMITS.fieldText);

/** Lines joined until the section limit, with a note of what was left out. */
function boundedLines(head: string, lines: string[], tail = '', max: number = SLACK_LIMITS.sectionText): string {
  let text = head;
  let shown = 0;
  for (const l of lines) {
    const more = `…and ${lines.length - shown} more`;
    if (text.length + 1 + l.length + tail.length + more.length + 1 > max) {
      text += `\n${more}`;
      break;
    }
    text += `\n${l}`;
    shown++;
  }
  return cut(text + tail, max);
}

export function slackMessage(group: EnrichedGroup, alert: EnrichedAlert): SlackMessage {
  const view = viewAlert(group, alert);
  const k = alert.kubetriage;
  const d = k.diagnosis;
  const severity = alert.labels['severity'];
  const blocks: SlackBlock[] = [];
  const buttons = view.links.slice(0, MAX_BUTTONS).filter((l) => l.href.length <= SLACK_LIMITS.buttonUrl)
    .map((l, i) => ({ type: 'button' as const, text: plain(l.text, SLACK_LIMITS.buttonText), url: l.href, action_id: `link-${i}` }));

  if (!view.firing) {
    const ended = alert.endsAt && !alert.endsAt.startsWith('0001-') ? ` at ${alert.endsAt}` : '';
    blocks.push({ type: 'header', text: plain(`✅ Resolved: ${view.alertname} · ${view.object}`, SLACK_LIMITS.headerText) });
    blocks.push({ type: 'section', text: mrkdwn(`*${escapeMrkdwn(view.alertname)}* on ${escapeMrkdwn(view.object)} is resolved${escapeMrkdwn(ended)}.`) });
    blocks.push({ type: 'section', fields: [field('Status', 'resolved'), field('Severity', severity ?? '—'), field('Namespace', view.namespace ?? '—'), field('Cluster', view.cluster ?? '—')] });
    if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
    return { text: cut(`[RESOLVED] ${view.alertname}: ${view.object}`, SLACK_LIMITS.sectionText), blocks, unfurl_links: false, unfurl_media: false };
  }

  const title = d?.title ?? view.alertname;
  blocks.push({ type: 'header', text: plain(`${title} · ${view.object}`, SLACK_LIMITS.headerText) });
  if (d) blocks.push({ type: 'section', text: mrkdwn(`*${escapeMrkdwn(d.id)}* — ${escapeMrkdwn(d.summary)}`) });
  blocks.push({ type: 'section', fields: [
    field('Layer', d?.layer ?? '—'),
    field('Confidence', d ? d.confidence.toFixed(2) : '—'),
    field('Namespace', view.namespace ?? '—'),
    field('Cluster', view.cluster ?? '—'),
  ] });
  const evidence = (d?.evidence ?? []).slice(0, MAX_EVIDENCE).map((e) => `• \`${escapeMrkdwn(cut(e.source, 200))}\` ${escapeMrkdwn(cut(e.text, MAX_LINE))}`);
  if (evidence.length > 0) blocks.push({ type: 'section', text: mrkdwn(boundedLines('*Evidence*', evidence)) });
  const steps = (d?.nextSteps ?? []).slice(0, MAX_STEPS).map((s) => `# [${s.safety}] ${escapeMrkdwn(cut(s.why, 300))}\n${escapeMrkdwn(cut(s.command, MAX_LINE))}`);
  if (steps.length > 0) blocks.push({ type: 'section', text: mrkdwn(boundedLines('*Next steps* (read-only first)\n```', steps, '\n```')) });
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  const context = [`alert *${escapeMrkdwn(view.alertname)}*`, ...(severity ? [`severity ${escapeMrkdwn(severity)}`] : []), ...(view.workload ? [`workload ${escapeMrkdwn(view.workload)}`] : [])];
  const elements: Text[] = [mrkdwn(context.join(' · '))];
  if (k.partial) elements.push(mrkdwn(`:warning: partial evidence: ${escapeMrkdwn(k.errors.map((e) => e.message).join('; '))}`));
  blocks.push({ type: 'context', elements });

  const text = `[FIRING] ${title}: ${view.object}${d ? ` — ${d.summary}` : ''}`;
  return { text: cut(text, SLACK_LIMITS.sectionText), blocks: blocks.slice(0, SLACK_LIMITS.blocks), unfurl_links: false, unfurl_media: false };
}

/** Cuts every text to its Block Kit limit (after redaction, which may lengthen a text). */
export function withinLimits(m: SlackMessage): SlackMessage {
  const blocks = m.blocks.slice(0, SLACK_LIMITS.blocks).map((b): SlackBlock => {
    switch (b.type) {
      case 'header': return { ...b, text: { ...b.text, text: cut(b.text.text, SLACK_LIMITS.headerText) } };
      case 'section': return {
        ...b,
        ...(b.text ? { text: { ...b.text, text: cut(b.text.text, SLACK_LIMITS.sectionText) } } : {}),
        ...(b.fields ? { fields: b.fields.slice(0, SLACK_LIMITS.fields).map((f) => ({ ...f, text: cut(f.text, SLACK_LIMITS.fieldText) })) } : {}),
      };
      case 'actions': return { ...b, elements: b.elements.slice(0, SLACK_LIMITS.actionElements).map((e) => ({ ...e, text: { ...e.text, text: cut(e.text.text, SLACK_LIMITS.buttonText) } })) };
      case 'context': return { ...b, elements: b.elements.slice(0, SLACK_LIMITS.contextElements).map((e) => ({ ...e, text: cut(e.text, SLACK_LIMITS.sectionText) })) };
      default: return b;
    }
  });
  return { ...m, text: cut(m.text, SLACK_LIMITS.sectionText), blocks };
}

export interface SlackSinkOptions {
  name?: string;
  /** The incoming-webhook URL: it is the credential, never logged. */
  webhookUrl: string;
}

export function slackSink(o: SlackSinkOptions): Sink {
  return {
    name: o.name ?? 'slack',
    kind: 'slack',
    render: (group, alerts): OutboundRequest[] => {
      const safeGroup = redactDeep({ ...group, alerts: [] });
      // Redact the alert before rendering and the message after (joined strings can take a
      // secret's shape), then hold the limits again: a marker can be longer than what it masks.
      return alerts.map((alert) => ({
        url: o.webhookUrl,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(withinLimits(redactDeep(slackMessage(safeGroup, redactDeep(alert))))),
        deliveryKey: alert.kubetriage.deliveryKey,
      }));
    },
  };
}
