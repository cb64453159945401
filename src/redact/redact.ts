/**
 * Secret redaction for everything kubetriage reads or sends: container logs,
 * Kubernetes event messages, alert payloads and sink bodies.
 *
 * - `redactText(text)` masks secrets inside free text and replaces only the
 *   secret part, so the line stays readable:
 *     postgres://app:[REDACTED]@db:5432/shop
 *     Authorization: Bearer [REDACTED]
 *     aws_access_key_id=[REDACTED:aws-access-key]
 * - `redactDeep(value)` returns a redacted copy of a JSON-like value: every
 *   string goes through `redactText`, and the value of any property whose NAME
 *   looks secret (password, token, apiKey, authorization, ...) is replaced by
 *   `[REDACTED]`.
 *
 * Guarantees
 * - Idempotent: `redactText(redactText(s)) === redactText(s)`. A pass only ever
 *   turns non-marker characters into markers, and `redactText` re-runs the
 *   pass until nothing changes (normally one pass, two when something was
 *   masked).
 * - Linear time: every regex is precompiled; any unbounded run is anchored by
 *   a lookbehind that excludes the run's own characters (so a run is scanned
 *   from one start only) or is bounded. 1 MB adversarial lines are tested.
 * - Never throws on any string.
 *
 * Callers: redact alert content before adding sink credentials. Running
 * `redactDeep` over a final PagerDuty envelope would also mask its
 * `routing_key`, which is what you want for logging it, not for sending it.
 */

export const REDACTED = '[REDACTED]';

const marker = (kind: string): string => `[REDACTED:${kind}]`;

/** One or more markers and nothing else. */
const ONLY_MARKERS_RE = /^(?:\[REDACTED(?::[a-z0-9-]+)?\])+$/;
const isMasked = (s: string): boolean => ONLY_MARKERS_RE.test(s);

// ---------------------------------------------------------------------------
// Secret-looking key names (shared by the text key=value rule and redactDeep)
// ---------------------------------------------------------------------------

/** Normalised key (lowercase, alphanumerics only) containing one of these is secret. */
const SECRET_KEY_PARTS = [
  'password', 'passwd', 'passphrase', 'passcode', 'secret', 'token', 'apikey', 'accesskey',
  'privatekey', 'privkey', 'authorization', 'cookie', 'routingkey', 'integrationkey', 'servicekey',
  'credential', 'accountkey', 'sharedaccesskey', 'signingkey', 'encryptionkey', 'masterkey',
  'sessionkey', 'clientkey', 'sshkey', 'signature', 'connectionstring',
];
/** A key with one of these words as a whole segment is secret (`DB_PASS`, `auth`, `sig`). */
const SECRET_KEY_SEGMENTS = new Set(['pass', 'pwd', 'pw', 'auth', 'sig', 'psk', 'dsn']);
/**
 * Keys ending like this name/reference/describe a secret rather than hold it:
 * `secretName`, `secretKeyRef`, `tokenPath`, `password_file`, `max_tokens`, `token_type`.
 */
const NON_SECRET_KEY_SUFFIXES = [
  'name', 'names', 'ref', 'refs', 'path', 'paths', 'file', 'files', 'dir', 'url', 'uri', 'endpoint',
  'ttl', 'expiry', 'expiration', 'expires', 'expiresat', 'expiresin', 'seconds', 'count', 'length',
  'len', 'size', 'type', 'kind', 'mode', 'method', 'enabled', 'required', 'policy', 'version',
  'format', 'provider', 'store', 'source', 'tokens', 'limit', 'algorithm', 'alg', 'reset',
];
const NON_SECRET_KEYS = new Set(['automountserviceaccounttoken', 'imagepullsecrets', 'tokenizer']);
const KEY_SEGMENT_RE = /[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])/g;

function computeIsSecretKey(name: string): boolean {
  const norm = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (norm === '' || NON_SECRET_KEYS.has(norm)) return false;
  let secret = SECRET_KEY_PARTS.some((p) => norm.includes(p));
  if (!secret) {
    for (const seg of name.match(KEY_SEGMENT_RE) ?? []) {
      if (SECRET_KEY_SEGMENTS.has(seg.toLowerCase())) { secret = true; break; }
    }
  }
  if (!secret) return false;
  return !NON_SECRET_KEY_SUFFIXES.some((s) => norm.endsWith(s));
}

const keyCache = new Map<string, boolean>();
/** Whether a property/parameter/header NAME denotes a secret value (case-insensitive). */
export function isSecretKeyName(name: string): boolean {
  let hit = keyCache.get(name);
  if (hit === undefined) {
    hit = computeIsSecretKey(name);
    if (keyCache.size >= 10_000) keyCache.clear();
    keyCache.set(name, hit);
  }
  return hit;
}

// ---------------------------------------------------------------------------
// Text rules
// ---------------------------------------------------------------------------

/**
 * Cheap pre-filter: a string with none of these cannot match any rule. Superset of all triggers.
 * Three tests, cheapest first, rather than one alternation: most strings that pass have one of
 * the characters, and V8 runs the combined case-insensitive alternation (with its 60-character
 * run) about three times slower than the three apart. `gate(s)` is true exactly when the single
 * alternation would match.
 */
const GATE_CHARS_RE = /[:=@]|--/;
const GATE_WORDS_RE = new RegExp(
  [
    'eyJ', 'A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|ROA|PKA|SCA)', 'gh[pousr]_',
    'github_pat_', 'glpat-', 'xox', 'xapp-', 'AIza', '_live_', '_test_', 'whsec_', 'npm_', 'SG\\.',
    'sk-', 'IQoJ', 'FwoG', 'FQoG', 'bearer', 'basic', 'hooks\\.slack', 'webhooks',
  ].join('|'),
  'i',
);
const GATE_RUN_RE = /[A-Za-z0-9+/]{60}/;
const gate = (s: string): boolean =>
  GATE_CHARS_RE.test(s) || GATE_WORDS_RE.test(s) || (s.length >= 60 && GATE_RUN_RE.test(s));

// PEM private keys: scanned with indexOf-style searches so an unterminated block stays linear.
const PEM_BEGIN_RE = /-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END_RE = /-----END [A-Z0-9 ]{0,60}-----/g;

function redactPem(s: string): string {
  if (!s.includes('-----BEGIN ')) return s;
  PEM_BEGIN_RE.lastIndex = 0;
  let out = '';
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = PEM_BEGIN_RE.exec(s)) !== null) {
    const bodyStart = m.index + m[0].length;
    PEM_END_RE.lastIndex = bodyStart;
    const end = PEM_END_RE.exec(s);
    const bodyEnd = end ? end.index : s.length;
    const body = s.slice(bodyStart, bodyEnd);
    if (body !== '' && !isMasked(body)) {
      out += s.slice(last, bodyStart) + marker('private-key');
      last = bodyEnd;
    }
    if (!end) break; // unterminated: everything after BEGIN was masked
    PEM_BEGIN_RE.lastIndex = end.index + end[0].length;
  }
  return last === 0 ? s : out + s.slice(last);
}

/** A line that is only a PEM body line (64 base64 chars), for logs split line by line. */
const PEM_LINE_RE = /^([ \t]*)([A-Za-z0-9+/]{60,76}={0,2})(?=[ \t\r]*$)/gm;
const redactPemLines = (s: string): string =>
  s.replace(PEM_LINE_RE, (whole, indent: string, body: string) =>
    /[A-Z]/.test(body) && /[a-z]/.test(body) && /[0-9]/.test(body) ? indent + marker('private-key') : whole);

// scheme://user:password@host. Real-world passwords are often not percent-encoded, so the password
// may contain '@', '#', '?' (greedy up to the last '@' before a '/' or whitespace), but not '/'.
const URL_USERINFO_RE = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/[^\s:/?#@"'<>\\]{0,256}:)([^\s/"'<>\\]{1,512})@/g;
// Go MySQL DSN: user:password@tcp(host:3306)/db
const GO_DSN_HINT_RE = /@(?:tcp|tcp6|unix|udp)\(/;
const GO_DSN_RE = /(?<![\w.-])([\w.-]{1,64}:)([^\s@/"'\\]{1,256})@(?=(?:tcp|tcp6|unix|udp)\()/g;

function redactUserinfo(s: string): string {
  if (!s.includes('@')) return s;
  const fn = (whole: string, prefix: string, pass: string): string =>
    isMasked(pass) ? whole : `${prefix}${REDACTED}@`;
  let t = s.includes('://') ? s.replace(URL_USERINFO_RE, fn) : s;
  if (GO_DSN_HINT_RE.test(t)) t = t.replace(GO_DSN_RE, fn);
  return t;
}

// Webhook URLs whose path is the credential: keep the host, mask the path.
const WEBHOOK_RE = /(hooks\.slack\.com\/(?:services|workflows|triggers)\/|discord(?:app)?\.com\/api\/webhooks\/)([A-Za-z0-9_/-]{8,})/g;
const redactWebhooks = (s: string): string =>
  s.replace(WEBHOOK_RE, (_whole, prefix: string) =>
    `${prefix}${marker(prefix.startsWith('hooks') ? 'slack-webhook' : 'discord-webhook')}`);

/** Self-identifying token formats. Order of groups = order of TOKEN_KINDS. */
const TOKEN_KINDS = [
  'jwt', 'aws-access-key', 'aws-session-token', 'github-token', 'gitlab-token', 'slack-token',
  'google-api-key', 'stripe-key', 'npm-token', 'sendgrid-key', 'llm-api-key',
] as const;
const TOKEN_RE = new RegExp(
  [
    // JWT (incl. Kubernetes service-account tokens): header.payload.signature, both JSON → "eyJ"
    '(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*)',
    '(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16})(?![A-Za-z0-9])',
    '(?<![A-Za-z0-9+/=])((?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9+/]{16,}={0,2})',
    '(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})',
    '(?<![A-Za-z0-9_-])(glpat-[A-Za-z0-9_-]{20,})',
    '(?<![A-Za-z0-9-])((?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,})',
    '(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])',
    '(?<![A-Za-z0-9_])((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|whsec_[0-9A-Za-z]{20,})',
    '(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36,})',
    '(?<![A-Za-z0-9_-])(SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,})',
    '(?<![A-Za-z0-9_-])(sk-(?:(?:proj|svcacct|admin|ant(?:-[a-z0-9]+)?)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}))',
  ].join('|'),
  'g',
);

function redactTokens(s: string): string {
  return s.replace(TOKEN_RE, (whole: string, ...groups: unknown[]) => {
    for (let i = 0; i < TOKEN_KINDS.length; i++) {
      if (groups[i] !== undefined) return marker(TOKEN_KINDS[i]!);
    }
    return whole;
  });
}

// Credentials after an auth scheme outside a recognised header: "Bearer abc123…", "Basic dXNlcjpwYXNz".
const BEARER_RE = /(?<![\w-])(Bearer|bearer|BEARER)([ \t]+)([A-Za-z0-9._~+/-]+=*)/g;
const BASIC_RE = /(?<![\w-])(Basic|basic|BASIC)([ \t]+)([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])/g;

function decodesToUserPass(b64: string): boolean {
  try {
    return atob(b64).includes(':');
  } catch {
    return false;
  }
}

function redactAuthSchemes(s: string): string {
  return s
    .replace(BEARER_RE, (whole, scheme: string, ws: string, tok: string) =>
      (/\d/.test(tok) || tok.length >= 20) ? `${scheme}${ws}${REDACTED}` : whole)
    .replace(BASIC_RE, (whole, scheme: string, ws: string, tok: string) =>
      decodesToUserPass(tok) ? `${scheme}${ws}${REDACTED}` : whole);
}

// ---------------------------------------------------------------------------
// key=value / key: value / "key": "value" / --flag value
// ---------------------------------------------------------------------------

// Groups: 1 flag prefix, 2 key, 3 closing quote of a quoted key, 4 separator.
// The lookbehind excludes every key character, so a key is only tried from the start of its run.
const KV_KEY_RE = /(?<![\w.-])(--|-D)?([A-Za-z_][\w.-]*)(\\?["'])?([ \t]*(?:=>|:=|[:=])[ \t]*|[ \t]+)/g;
// Value forms at the separator: \"escaped json\" | "double" | 'single' | bare.
// Closing quotes are optional so nothing after a greedy run can fail (no backtracking).
const KV_VALUE_RE = /\\"((?:[^"\\]|\\[^"])*)|"((?:[^"\\\r\n]|\\.)*)|'([^'\r\n]*)|((?:[^\s"'&,;\\]|\\(?![nrt"']))+)/y;
const AUTH_SCHEME_RE = /(?:Bearer|Basic|Token|Digest|Negotiate|NTLM|AWS4-HMAC-SHA256|ApiKey|Api-Key|SSWS|OAuth|Splunk|GenieKey|JWT|Key)[ \t]+/iy;
const AUTH_CRED_RE = /(?:[^\s"',;\\]|\\(?![nrt"']))+/y;
const QUOTED_SCHEME_RE = /^[A-Za-z][\w-]{0,30}[ \t]+(?=\S)/;
const TO_EOL_RE = /[^\r\n"]*/y;
/** Values that are obviously not a secret, whatever the key. */
const PLACEHOLDER_RE = /^(?:null|nil|<nil>|none|undefined|\*+|x{3,}|<redacted>|redacted|<hidden>|\[hidden\]|\[filtered\]|\$\{[A-Za-z_]\w*\}|\$\([A-Za-z_]\w*\))$/i;
/** After "key: " (never after '='), prose words mean an error message, not a value: "token: token is expired". */
const PROSE_WORDS = new Set([
  'a', 'an', 'the', 'is', 'are', 'was', 'were', 'be', 'been', 'being', 'not', 'no', 'true', 'false',
  'yes', 'ok', 'invalid', 'expired', 'missing', 'required', 'empty', 'malformed', 'unknown',
  'unauthorized', 'forbidden', 'denied', 'failed', 'failure', 'error', 'errors', 'mismatch',
  'incorrect', 'wrong', 'changed', 'updated', 'rotated', 'refreshed', 'set', 'unset', 'too', 'must',
  'should', 'cannot', 'can', 'could', 'did', 'does', 'do', 'has', 'have', 'had', 'for', 'of', 'in',
  'to', 'on', 'with', 'from', 'at', 'by', 'and', 'or', 'token', 'tokens', 'password', 'secret',
  'secrets', 'key', 'server', 'client', 'request', 'response', 'context', 'timed', 'timeout',
  'unable', 'connection', 'dial', 'get', 'post', 'put', 'verify', 'verification', 'signature',
  'read', 'write', 'open', 'lookup', 'parse', 'decode', 'unexpected', 'eof', 'use', 'using', 'found',
  'present', 'provided', 'supplied', 'requested', 'file', 'value', 'field', 'expected', 'got',
  'unsupported', 'disabled', 'enabled', 'revoked', 'retrieved', 'loaded', 'saved', 'generated',
  'issued', 'accepted', 'rejected', 'received', 'sent', 'reset', 'length', 'format', 'type',
]);
/** After a tight "name:" — a port or an image tag, not a credential. */
const PORT_OR_TAG_RE = /^(?:\d{1,5}|v?\d+(?:\.\d+)+(?:[-+][\w.]+)?|latest|stable|main|master|edge|nightly|alpine|slim)$/;
/** "token: oauth2: cannot fetch token" — a Go error-chain prefix, not a value. */
const ERROR_CHAIN_WORD_RE = /^[A-Za-z0-9_./-]{1,40}:$/;

function redactKeyValues(s: string): string {
  KV_KEY_RE.lastIndex = 0;
  let out = '';
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = KV_KEY_RE.exec(s)) !== null) {
    const flag = m[1] ?? '';
    const key = m[2]!;
    const keyQuote = m[3];
    const sep = m[4]!;
    const keyStart = m.index + flag.length;
    const valueStart = m.index + m[0].length;
    const sepIsColon = sep.includes(':') && !sep.includes('=');
    const sepIsSpace = !sepIsColon && !sep.includes('=');

    if (sepIsSpace && flag !== '--') continue; // "password reset email" is prose
    if (flag === '-D' && !sep.includes('=')) continue;
    if (keyQuote !== undefined && (sep[0] === ' ' || sep[0] === '\t')) continue; // volume "token-x" : secret …
    const before = keyStart > 0 ? s[keyStart - 1] : '';
    if (before === '/') continue; // a path segment or image name (ghcr.io/acme/token-service:1.2), not an assignment
    if (keyStart >= 3 && s.startsWith('://', keyStart - 3)) continue; // URL userinfo, handled elsewhere
    if (!isSecretKeyName(key)) continue;

    KV_VALUE_RE.lastIndex = valueStart;
    const v = KV_VALUE_RE.exec(s);
    if (v === null) continue;
    const quoted = v[4] === undefined;
    let content = v[1] ?? v[2] ?? v[3] ?? v[4] ?? '';
    let cs = valueStart + (v[1] !== undefined ? 2 : quoted ? 1 : 0);
    let ce = cs + content.length;
    if (sepIsSpace && !quoted && content.startsWith('-')) continue; // --token --next-flag
    const normKey = key.toLowerCase();
    const isAuthHeader = normKey.includes('authorization');

    if (!quoted) {
      if (PLACEHOLDER_RE.test(content)) { KV_KEY_RE.lastIndex = ce; continue; }
      if (sepIsColon) {
        if (PROSE_WORDS.has(content.toLowerCase())) { KV_KEY_RE.lastIndex = ce; continue; }
        if (sep === ':' && keyQuote === undefined && (PORT_OR_TAG_RE.test(content) || before === '"' || before === "'")) {
          KV_KEY_RE.lastIndex = cs; // auth-service:8080, "auth:latest", secret-sync:v0.3.1 — host:port or image:tag
          continue;
        }
        // Rescan from the word itself: it may be a key ("password: token: abc").
        if (ERROR_CHAIN_WORD_RE.test(content)) { KV_KEY_RE.lastIndex = cs; continue; }
      }
      if (isAuthHeader) {
        AUTH_SCHEME_RE.lastIndex = cs;
        const scheme = AUTH_SCHEME_RE.exec(s);
        if (scheme !== null) {
          AUTH_CRED_RE.lastIndex = cs + scheme[0].length;
          const cred = AUTH_CRED_RE.exec(s);
          if (cred === null) { KV_KEY_RE.lastIndex = cs + scheme[0].length; continue; }
          cs = cred.index;
          content = cred[0];
          ce = cs + content.length;
        } else {
          AUTH_CRED_RE.lastIndex = cs;
          const cred = AUTH_CRED_RE.exec(s);
          content = cred?.[0] ?? content;
          ce = cs + content.length;
          // "may require authorization: server message" is prose, not a credential.
          if (/^[a-z]+$/.test(content)) { KV_KEY_RE.lastIndex = ce; continue; }
        }
      } else if (sepIsColon && normKey.includes('cookie')) {
        TO_EOL_RE.lastIndex = cs; // Cookie: a=1; b=2 — the whole header is the secret
        const rest = TO_EOL_RE.exec(s)![0].replace(/[ \t]+$/, '');
        if (rest.length > content.length) { content = rest; ce = cs + rest.length; }
      }
    } else if (isAuthHeader) {
      const scheme = QUOTED_SCHEME_RE.exec(content);
      if (scheme !== null) { cs += scheme[0].length; content = content.slice(scheme[0].length); }
    }

    if (content === '' || isMasked(content) || (quoted && PLACEHOLDER_RE.test(content))) {
      KV_KEY_RE.lastIndex = ce;
      continue;
    }
    out += s.slice(last, cs) + REDACTED;
    last = ce;
    KV_KEY_RE.lastIndex = ce;
  }
  return last === 0 ? s : out + s.slice(last);
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

function redactOnce(s: string): string {
  if (!gate(s)) return s;
  let t = redactPem(s);
  t = redactUserinfo(t);
  t = redactWebhooks(t);
  t = redactTokens(t);
  t = redactAuthSchemes(t);
  t = redactPemLines(t);
  t = redactKeyValues(t);
  return t;
}

const MAX_PASSES = 8;

/**
 * Mask secrets in free text (a log line, a whole log, an event message), replacing only the
 * secret part with `[REDACTED]` or `[REDACTED:<kind>]`. Idempotent, linear, never throws.
 */
export function redactText(text: string): string {
  if (typeof text !== 'string') return text;
  let cur = text;
  for (let i = 0; i < MAX_PASSES; i++) {
    const next = redactOnce(cur);
    if (next === cur) return cur;
    cur = next;
  }
  return cur;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Value of a secret-named property: anything that could carry a secret becomes `[REDACTED]`. */
function maskValue(v: unknown): unknown {
  if (v === null || v === undefined || typeof v === 'boolean') return v; // carries no secret
  if (typeof v === 'string') return v === '' || isMasked(v) ? v : REDACTED;
  return REDACTED; // numbers (PINs), objects, arrays: whatever the value is
}

/**
 * Redacted deep copy of a JSON-like value. Never mutates the input.
 *
 * - every string: `redactText`
 * - a property whose name looks secret (`isSecretKeyName`: password, passwd, secret, token, apiKey,
 *   api_key, access_key, private_key, client_secret, authorization, cookie, routing_key,
 *   credentials, auth, …): its value becomes `[REDACTED]` whatever it is (strings, numbers,
 *   objects, arrays); null, undefined, booleans and '' are kept as they carry nothing
 * - `{ name | key: "<secret-looking>", value: … }` pairs (container env, headers): value masked
 * - Kubernetes `kind: Secret` objects: every `data` / `stringData` value masked (keys kept)
 * - the `kubectl.kubernetes.io/last-applied-configuration` annotation is parsed and redacted as JSON
 *
 * Shared references and cycles are preserved (each input object maps to one output object).
 * Arrays, plain objects, Map and Set are walked; class instances are copied as records of their
 * own enumerable properties (same prototype); Date, RegExp, binary buffers are returned as is.
 * Iterative (no recursion limit), linear in the size of the input.
 */
export function redactDeep<T>(value: T): T {
  const seen = new WeakMap<object, unknown>();
  const jobs: Array<() => void> = [];
  // An enriched group repeats most of its strings (timestamps, reasons, runbook URLs, labels: about
  // 2800 strings, 450 distinct): each distinct string is redacted once per call.
  const texts = new Map<string, string>();

  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let r = texts.get(v);
      if (r === undefined) texts.set(v, (r = redactText(v)));
      return r;
    }
    if (v === null || typeof v !== 'object') return v;
    const done = seen.get(v);
    if (done !== undefined) return done;

    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      seen.set(v, out);
      jobs.push(() => { for (let i = 0; i < v.length; i++) out[i] = visit(v[i]); });
      return out;
    }
    if (v instanceof Date || v instanceof RegExp || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    if (v instanceof Map) {
      const out = new Map<unknown, unknown>();
      seen.set(v, out);
      jobs.push(() => {
        for (const [k, val] of v) out.set(k, typeof k === 'string' && isSecretKeyName(k) ? maskValue(val) : visit(val));
      });
      return out;
    }
    if (v instanceof Set) {
      const out = new Set<unknown>();
      seen.set(v, out);
      jobs.push(() => { for (const val of v) out.add(visit(val)); });
      return out;
    }

    const src = v as Record<string, unknown>;
    const out = Object.create(Object.getPrototypeOf(src)) as Record<string, unknown>;
    seen.set(v, out);
    jobs.push(() => {
      const isK8sSecret = src['kind'] === 'Secret';
      const pairName = typeof src['name'] === 'string' ? src['name'] : typeof src['key'] === 'string' ? src['key'] : undefined;
      const maskPairValue = pairName !== undefined && isSecretKeyName(pairName);
      for (const k of Object.keys(src)) {
        const val = src[k];
        let r: unknown;
        if (isSecretKeyName(k) || (k === 'value' && maskPairValue)) r = maskValue(val);
        else if (isK8sSecret && (k === 'data' || k === 'stringData') && val !== null && typeof val === 'object') {
          const masked: Record<string, unknown> = {};
          for (const dk of Object.keys(val)) setProp(masked, dk, maskValue((val as Record<string, unknown>)[dk]));
          r = masked;
        } else if (k === LAST_APPLIED && typeof val === 'string') r = redactJsonString(val);
        else r = visit(val);
        setProp(out, k, r);
      }
    });
    return out;
  };

  const result = visit(value);
  while (jobs.length > 0) jobs.pop()!();
  return result as T;
}

function setProp(obj: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}

function redactJsonString(s: string): string {
  try {
    const trailing = s.endsWith('\n') ? '\n' : '';
    return JSON.stringify(redactDeep(JSON.parse(s) as unknown)) + trailing;
  } catch {
    return redactText(s);
  }
}
