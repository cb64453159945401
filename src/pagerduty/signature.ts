// PagerDuty webhooks v3 signatures: X-PagerDuty-Signature carries one or more `v1=<hex>` values
// (one per active secret during a rotation), each an HMAC-SHA256 of the raw body keyed with the
// secret as UTF-8 text. Web Crypto only, so the same code runs on Node, Lambda and Workers.

const HEX = /^[0-9a-f]{64}$/i;

/** The v1 signatures of a header value, as bytes; other versions and malformed values are skipped. */
export function parseSignatureHeader(header: string | null | undefined): Uint8Array[] {
  if (!header) return [];
  const out: Uint8Array[] = [];
  for (const part of header.split(',')) {
    const [version, value] = part.trim().split('=', 2);
    if (version !== 'v1' || !value || !HEX.test(value)) continue;
    out.push(Uint8Array.from(value.match(/../g)!, (h) => parseInt(h, 16)));
  }
  return out;
}

/** Compares every byte whatever the first difference, so the time does not say where it is. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export async function hmacSha256(secret: string, body: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, body as Uint8Array<ArrayBuffer>));
}

/**
 * True when any v1 signature in the header matches the body under any of the secrets. Every
 * pair is compared (no early exit), so timing reveals neither which secret nor which value matched.
 */
export async function verifyPagerDutySignature(body: Uint8Array, header: string | null | undefined, secrets: readonly string[]): Promise<boolean> {
  const signatures = parseSignatureHeader(header);
  if (signatures.length === 0 || secrets.length === 0) return false;
  const expected = await Promise.all(secrets.map((s) => hmacSha256(s, body)));
  let ok = false;
  for (const e of expected) for (const s of signatures) ok = constantTimeEqual(e, s) || ok;
  return ok;
}
