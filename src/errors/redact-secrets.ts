/**
 * Secrets (API keys, auth header values) that must never appear in an error, a log line or an output file.
 * Provider factories register their key here; every `LlmError` message and body passes through `redactSecrets`.
 */
const secrets = new Set<string>();

/** Shortest value treated as a secret; shorter ones would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;

/** Remembers a secret so that `redactSecrets` hides it from then on. */
export function rememberSecret(secret: string | undefined): void {
  if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH) secrets.add(secret);
}

/** Replaces every remembered secret (and any `Bearer …` token) in `text` with `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  // Longest first: a shorter secret inside a longer one would otherwise break it up and leave the rest readable.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi, '$1[redacted]');
}

