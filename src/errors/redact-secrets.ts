/**
 * Secrets (API keys, auth header values) that must never appear in an error, a log line or an output file.
 * Provider factories register their key here; every `LlmError` message and body passes through `redactSecrets`.
 *
 * Secrets are indexed by their last `MIN_SECRET_LENGTH` characters, so that with many keys (a model per tenant)
 * redacting a text costs one map lookup per character, not one search per key: a process that remembers 50,000 keys
 * pays about the same per error as one that remembers a hundred. With few keys, one `includes` per key is faster.
 */

/** Shortest value treated as a secret; shorter ones would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;

/** Up to this many secrets, each is searched for in turn; past it, the text is scanned once through the index. */
const SEARCH_EACH_UP_TO = 32;

/** Every secret remembered. */
const all = new Set<string>();
/** Secrets by their last `MIN_SECRET_LENGTH` characters (keys share their starts, `sk-proj-`, not their ends). */
const byEnd = new Map<string, string[]>();
/** Every secret, longest first, while there are no more than `SEARCH_EACH_UP_TO`. */
let few: string[] = [];
/** Every secret in code-unit order, for a text cut inside a key; sorted when first needed after a change. */
const sorted: string[] = [];
let sortedIsStale = false;
let longest = 0;

/** Remembers a secret so that `redactSecrets` hides it from then on. */
export function rememberSecret(secret: string | undefined): void {
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH || all.has(secret)) return;
  all.add(secret);
  const end = secret.slice(-MIN_SECRET_LENGTH);
  const bucket = byEnd.get(end);
  if (bucket === undefined) byEnd.set(end, [secret]);
  else bucket.push(secret);
  sorted.push(secret);
  sortedIsStale = true;
  longest = Math.max(longest, secret.length);
  if (all.size <= SEARCH_EACH_UP_TO) insertLongestFirst(few, secret);
  else few = [];
}

/**
 * Replaces every remembered secret (and any `Bearer …` token) in `text` with `[redacted]`. With `cut: true` (the
 * text was cut off after a byte limit) an end that is the start of a secret is redacted too: the cut may have gone
 * through an echoed key.
 */
export function redactSecrets(text: string, { cut = false }: { cut?: boolean } = {}): string {
  let out = all.size === 0 ? text : all.size <= SEARCH_EACH_UP_TO ? searchEach(text) : scanOnce(text);
  if (cut) out = redactCutEnd(out);
  return out.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi, '$1[redacted]');
}

// Longest first: a shorter secret inside a longer one would otherwise break it up and leave the rest readable.
function searchEach(text: string): string {
  let out = text;
  for (const secret of few) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * One pass through the index: at each position, the secrets that would end there. Overlapping matches merge into
 * one `[redacted]`, so a secret inside another never leaves a piece readable.
 */
function scanOnce(text: string): string {
  const spans: [number, number][] = [];
  for (let end = MIN_SECRET_LENGTH; end <= text.length; end += 1) {
    const bucket = byEnd.get(text.slice(end - MIN_SECRET_LENGTH, end));
    if (bucket === undefined) continue;
    for (const secret of bucket) {
      const start = end - secret.length;
      if (start >= 0 && text.startsWith(secret, start)) spans.push([start, end]);
    }
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let copied = 0;
  for (const [start, end] of spans) {
    if (end <= copied) continue;
    if (start >= copied) out += `${text.slice(copied, start)}[redacted]`;
    copied = end;
  }
  return out + text.slice(copied);
}

function redactCutEnd(text: string): string {
  if (sortedIsStale) {
    sorted.sort();
    sortedIsStale = false;
  }
  // Longest end first; a secret starts with `end` if the first one not below it in sorted order does.
  for (let length = Math.min(longest - 1, text.length); length >= 1; length -= 1) {
    const end = text.slice(text.length - length);
    if (sorted[lowerBound(sorted, end)]?.startsWith(end) === true) return `${text.slice(0, text.length - length)}[redacted]`;
  }
  return text;
}

function lowerBound(list: readonly string[], value: string): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function insertLongestFirst(list: string[], secret: string): void {
  const at = list.findIndex((other) => other.length < secret.length);
  if (at === -1) list.push(secret);
  else list.splice(at, 0, secret);
}
