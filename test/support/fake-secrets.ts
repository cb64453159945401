// Fake credentials are assembled at runtime from deterministic filler, so the repository holds no
// string a secret scanner would flag while each has the exact shape of the real thing.
export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const UPPERNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const HEX = '0123456789abcdef';
export const B64 = `${ALNUM}+/`;

/** n characters of `alphabet`, the same for the same seed. */
export function fill(n: number, alphabet = ALNUM, seed = 7): string {
  let out = '';
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += alphabet[x % alphabet.length];
  }
  return out;
}

export const b64url = (s: string) => Buffer.from(s).toString('base64url');
