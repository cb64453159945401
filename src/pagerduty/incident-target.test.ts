import { describe, expect, it } from 'vitest';
import { findIncidentTarget, incidentTargetsSchema, labelsFromAlertmanagerText, readDetails } from './incident-target.ts';

const incident = { id: 'P1', title: 'Disk full', service: { summary: 'k8s-prod-eu' } };

describe('finding the Kubernetes object of a PagerDuty incident', () => {
  it('takes kubetriage\'s own target and labels (cluster included) from the details', () => {
    const details = { target: { kind: 'Deployment', namespace: 'shop', name: 'cart' }, labels: { alertname: 'KubeDeploymentReplicasMismatch', cluster: 'prod-eu', namespace: 'shop', deployment: 'cart' } };
    expect(findIncidentTarget(incident, [details], [])).toMatchObject({ target: { kind: 'Deployment', namespace: 'shop', name: 'cart' }, cluster: 'prod-eu', via: 'details' });
    // Details that went through a CEF string round-trip are read too.
    expect(findIncidentTarget(incident, [JSON.stringify(details)], []).target).toEqual({ kind: 'Deployment', namespace: 'shop', name: 'cart' });
  });

  it('refuses a target that is not a valid Kubernetes object and resolves from the labels instead', () => {
    const details = { target: { kind: 'Pod', namespace: 'shop', name: '../../etc/passwd' }, labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-1' } };
    expect(findIncidentTarget(incident, [details], []).target).toEqual({ kind: 'Pod', namespace: 'shop', name: 'cart-1' });
  });

  it('reads the labels of Alertmanager\'s default PagerDuty details (the first alert of `firing`)', () => {
    const text = 'Labels:\n - alertname = KubeJobFailed\n - job_name = nightly-report\n - namespace = batch\nAnnotations:\n - description = x\nSource: http://p\nLabels:\n - alertname = Other\n';
    expect(labelsFromAlertmanagerText(text)).toEqual({ alertname: 'KubeJobFailed', job_name: 'nightly-report', namespace: 'batch' });
    expect(findIncidentTarget(incident, [{ firing: text, num_firing: '1' }], []).target).toEqual({ kind: 'Job', namespace: 'batch', name: 'nightly-report' });
    expect(readDetails({ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-1', num: 3 }).labels).toEqual({ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-1' });
  });

  it('matches configured patterns on the title and the service, merging their named groups', () => {
    const patterns = incidentTargetsSchema().parse([
      { field: 'title', pattern: '^(?<kind>\\w+) (?<namespace>[a-z0-9-]+)/(?<name>[a-z0-9.-]+)' },
      { field: 'service', pattern: '^k8s-(?<cluster>[a-z0-9-]+)$' },
    ]);
    const found = findIncidentTarget({ ...incident, title: 'StatefulSet data/postgres has no ready replicas' }, [], patterns);
    expect(found).toMatchObject({ target: { kind: 'StatefulSet', namespace: 'data', name: 'postgres' }, cluster: 'prod-eu', via: 'pattern' });
  });

  it('says why nothing was found', () => {
    expect(findIncidentTarget(incident, [{ foo: 'bar' }], []).problems).toEqual(['no alert details name an object and no title/service pattern is configured']);
    const patterns = incidentTargetsSchema().parse([{ field: 'title', pattern: '^(?<pod>cart-\\d+)' }]);
    expect(findIncidentTarget({ ...incident, title: 'cart-1 down' }, [], patterns).problems).toEqual(['title/service pattern: label pod names a Pod but the alert has no namespace label']);
    expect(findIncidentTarget(incident, [], patterns).problems).toEqual(['no configured pattern matched the title or service']);
  });
});
