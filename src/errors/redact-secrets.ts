/**
 * Secrets (API keys, auth header values) that must never appear in an error, a log line or an output file.
 * Provider factories register their key here; every `LlmError` message and body passes through `redactSecrets`.
 *
 * Secrets are indexed by their first `MIN_SECRET_LENGTH` characters, so that with many keys (a model per tenant)
 * redacting a text costs one map lookup per character, not one search per key: a process that remembers 50,000 keys
 * pays the same per error as one that remembers a few hundred. With few keys, one `includes` per key is faster.
 */

/** Shortest value treated as a secret; shorter ones would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;

/** Up to this many secrets, each is searched for in turn; past it, the text is scanned once through the index. */
const SEARCH_EACH_UP_TO = 32;

/** Secrets by their first `MIN_SECRET_LENGTH` characters, longest first within a bucket. */
const byPrefix = new Map<string, string[]>();
/** Every secret's first 1 to `MIN_SECRET_LENGTH - 1` characters, for a text cut inside a key. */
const shortPrefixes = new Set<string>();
/** Every secret, longest first, while there are no more than `SEARCH_EACH_UP_TO`. */
let few: string[] = [];
let count = 0;
let longest = 0;

/** Remembers a secret so that `redactSecrets` hides it from then on. */
export function rememberSecret(secret: string | undefined): void {
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH) return;
  const prefix = secret.slice(0, MIN_SECRET_LENGTH);
  const bucket = byPrefix.get(prefix);
  if (bucket?.includes(secret) === true) return;
  if (bucket === undefined) byPrefix.set(prefix, [secret]);
  else insertLongestFirst(bucket, secret);
  for (let length = 1; length < MIN_SECRET_LENGTH; length += 1) shortPrefixes.add(secret.slice(0, length));
  count += 1;
  longest = Math.max(longest, secret.length);
  if (count <= SEARCH_EACH_UP_TO) insertLongestFirst(few, secret);
  else few = [];
}

/**
 * Replaces every remembered secret (and any `Bearer …` token) in `text` with `[redacted]`. With `cut: true` (the
 * text was cut off after a byte limit) an end that is the start of a secret is redacted too: the cut may have gone
 * through an echoed key.
 */
export function redactSecrets(text: string, { cut = false }: { cut?: boolean } = {}): string {
  let out = count === 0 ? text : count <= SEARCH_EACH_UP_TO ? searchEach(text) : scanOnce(text);
  if (cut) out = redactCutEnd(out);
  return out.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi, '$1[redacted]');
}

// Longest first: a shorter secret inside a longer one would otherwise break it up and leave the rest readable.
function searchEach(text: string): string {
  let out = text;
  for (const secret of few) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

/** Leftmost-longest matches through the prefix index: one lookup per position, whatever the number of secrets. */
function scanOnce(text: string): string {
  let out = '';
  let copied = 0;
  for (let at = 0; at + MIN_SECRET_LENGTH <= text.length; ) {
    const hit = byPrefix.get(text.slice(at, at + MIN_SECRET_LENGTH))?.find((secret) => text.startsWith(secret, at));
    if (hit === undefined) {
      at += 1;
      continue;
    }
    out += `${text.slice(copied, at)}[redacted]`;
    at += hit.length;
    copied = at;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function redactCutEnd(text: string): string {
  for (let length = Math.min(longest - 1, text.length); length >= 1; length -= 1) {
    const end = text.slice(text.length - length);
    const starts = length < MIN_SECRET_LENGTH ? shortPrefixes.has(end) : byPrefix.get(end.slice(0, MIN_SECRET_LENGTH))?.some((secret) => secret.startsWith(end)) === true;
    if (starts) return `${text.slice(0, text.length - length)}[redacted]`;
  }
  return text;
}

function insertLongestFirst(list: string[], secret: string): void {
  const at = list.findIndex((other) => other.length < secret.length);
  if (at === -1) list.push(secret);
  else list.splice(at, 0, secret);
}
