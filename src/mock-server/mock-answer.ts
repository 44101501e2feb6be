/** Words the mock answers are made of (each becomes one token, with a leading space). */
const VOCABULARY = [
  'alpha', 'bravo', 'cedar', 'delta', 'ember', 'fjord', 'gamma', 'harbor', 'iris', 'jade', 'kepler', 'lumen',
  'maple', 'nectar', 'onyx', 'prism', 'quartz', 'raven', 'sierra', 'tundra', 'umber', 'vertex', 'willow', 'xenon',
  'yarrow', 'zephyr', 'amber', 'basalt', 'cobalt', 'dune', 'echo', 'flint', 'granite', 'hazel', 'indigo', 'juniper',
  'kelp', 'lotus', 'marble', 'nova', 'orbit', 'pebble', 'quill', 'ridge', 'slate', 'thistle', 'ultra', 'violet',
  'wren', 'yonder', 'zenith', 'acorn', 'birch', 'comet', 'drift', 'fern', 'glacier', 'heron', 'isle', 'lagoon',
  'meadow', 'nimbus', 'opal', 'pine',
].map((word) => ` ${word}`);

/** How many words of the prompt the answer echoes. */
const ECHO_WORDS = 8;
/** Longest echoed word, in UTF-16 code units. */
const MAX_ECHO_WORD = 32;
/** Characters per token when JSON text is cut into stream pieces. */
const JSON_CHARS_PER_TOKEN = 4;

/**
 * The full text answer to a prompt, as token pieces: `"Re:"`, then up to eight words of the prompt key, then
 * words chosen from `hash`, the last one ending with `.`. Joining the pieces gives the answer text; cutting the
 * array at `max_tokens` gives a prefix of it.
 */
export function answerPieces(key: string, hash: number, tokens: number): string[] {
  const pieces: string[] = ['Re:'];
  let start = 0;
  while (pieces.length < tokens && pieces.length <= ECHO_WORDS) {
    while (start < key.length && isSpace(key.charCodeAt(start))) start++;
    if (start >= key.length) break;
    let end = start;
    while (end < key.length && !isSpace(key.charCodeAt(end))) end++;
    pieces.push(` ${safeSlice(key, start, Math.min(end, start + MAX_ECHO_WORD))}`);
    start = end;
  }
  let state = hash | 1;
  while (pieces.length < tokens) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pieces.push(VOCABULARY[(state >>> 0) % VOCABULARY.length] ?? ' word');
  }
  if (pieces.length > tokens) pieces.length = tokens;
  const last = pieces.length - 1;
  if (last >= 0) pieces[last] = `${pieces[last]}.`;
  return pieces;
}

/** Cuts JSON text into stream pieces of about four characters, never inside a surrogate pair. */
export function jsonPieces(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + JSON_CHARS_PER_TOKEN);
    if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end++;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/**
 * The pieces that continue `prefix` (an assistant prefill, as `resumeStreams` sends): when the full answer starts
 * with it, the rest of the answer; otherwise the full answer.
 */
export function continuePieces(pieces: string[], prefix: string): string[] {
  if (prefix === '') return pieces;
  let offset = 0;
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index] ?? '';
    const end = offset + piece.length;
    if (end > prefix.length) {
      const overlap = prefix.length - offset;
      if (piece.slice(0, overlap) !== prefix.slice(offset)) return pieces;
      const rest = pieces.slice(index + 1);
      if (overlap > 0) rest.unshift(piece.slice(overlap));
      else rest.unshift(piece);
      return rest;
    }
    if (prefix.slice(offset, end) !== piece) return pieces;
    offset = end;
  }
  return offset === prefix.length ? [] : pieces;
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 160;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function safeSlice(text: string, start: number, end: number): string {
  return end < text.length && isLowSurrogate(text.charCodeAt(end)) ? text.slice(start, end + 1) : text.slice(start, end);
}
