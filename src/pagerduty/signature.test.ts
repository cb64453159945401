import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hmacSha256, parseSignatureHeader, verifyPagerDutySignature } from './signature.ts';

// The real signed body from PagerDuty/go-pagerduty's webhookv3 tests, read as bytes (no decoding),
// with its secret and signatures taken from the .source.txt beside it.
const DIR = new URL('../../../shared/samples/pagerduty/', import.meta.url);
const body = new Uint8Array(readFileSync(new URL('webhook-v3-incident.priority_updated.signed-body.json', DIR)));
const source = readFileSync(new URL('webhook-v3-incident.priority_updated.signed-body.source.txt', DIR), 'utf8');
const secret = /secret \(HMAC key[^\n]*\n\s*(\S+)/.exec(source)![1]!;
const validHeader = /must VERIFY:\s*\n\s*X-PagerDuty-Signature: (\S+)/.exec(source)![1]!;
const invalidHeader = /must FAIL[^\n]*\n\s*X-PagerDuty-Signature: (\S+)/.exec(source)![1]!;
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

describe('X-PagerDuty-Signature', () => {
  it('reads the test vector byte for byte', () => {
    expect(body.length).toBe(1655);
    expect(body[body.length - 1]).toBe(0x7d); // no trailing newline
    expect(secret).toHaveLength(64);
    expect(validHeader).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it('computes the vector\'s HMAC-SHA256 over the raw body', async () => {
    expect(`v1=${hex(await hmacSha256(secret, body))}`).toBe(validHeader);
  });

  it('accepts the valid signature and rejects the mismatching one', async () => {
    expect(await verifyPagerDutySignature(body, validHeader, [secret])).toBe(true);
    expect(await verifyPagerDutySignature(body, invalidHeader, [secret])).toBe(false);
  });

  it('accepts during a rotation: several values in the header, several secrets configured', async () => {
    expect(await verifyPagerDutySignature(body, `${invalidHeader},${validHeader}`, [secret])).toBe(true);
    expect(await verifyPagerDutySignature(body, `${validHeader}, ${invalidHeader}`, [secret])).toBe(true);
    expect(await verifyPagerDutySignature(body, validHeader, ['another-secret-that-was-rotated-out', secret])).toBe(true);
    expect(await verifyPagerDutySignature(body, invalidHeader, ['another-secret-that-was-rotated-out', secret])).toBe(false);
  });

  it('rejects a body changed by one byte, a missing or malformed header, and no secrets', async () => {
    const changed = body.slice();
    changed[100] = changed[100]! ^ 1;
    expect(await verifyPagerDutySignature(changed, validHeader, [secret])).toBe(false);
    // Re-serialising the JSON changes the bytes: the signature covers the raw body only.
    const reserialised = new TextEncoder().encode(JSON.stringify(JSON.parse(new TextDecoder().decode(body)), null, 1));
    expect(await verifyPagerDutySignature(reserialised, validHeader, [secret])).toBe(false);
    expect(await verifyPagerDutySignature(body, undefined, [secret])).toBe(false);
    expect(await verifyPagerDutySignature(body, '', [secret])).toBe(false);
    expect(await verifyPagerDutySignature(body, validHeader.replace('v1=', 'v2='), [secret])).toBe(false);
    expect(await verifyPagerDutySignature(body, validHeader.slice(0, -2), [secret])).toBe(false);
    expect(await verifyPagerDutySignature(body, validHeader, [])).toBe(false);
  });

  it('parses only well-formed v1 values', () => {
    expect(parseSignatureHeader(`v1=${'a'.repeat(64)},v0=${'b'.repeat(64)}, v1=zz,v1=${'C'.repeat(64)}`)).toHaveLength(2);
  });
});
