// A tokenizer-free upper estimate of a text's tokens, script by script. The weights were fitted so that the estimate is
// at or above the counts of three real tokenizers (Llama 2's SentencePiece, OpenAI's o200k_base and cl100k_base) on the
// 24 texts of spec/fixtures/token-counts/ (English, Russian, JSON, Chinese, Japanese, Korean, emoji, code, Hindi,
// Arabic, numbers, punctuation, hex, German, French, Greek, Thai, base64, Markdown, Python, a URL, mixed, UUIDs), and
// at most twice the largest of them. Llama 2 is the costly one almost everywhere: it splits every digit, keeps few
// CJK characters whole and falls back to one token per UTF-8 byte for the rest (emoji: four).

/** A run of ASCII letters: its first letter (about a word's token), each further one, and past `LONG_RUN` letters. */
const RUN_START = 0.75;
const LETTER = 0.25;
/** Letters of a long run or an all-capitals run (ids, base64, shouting) split into short tokens. */
const HARD_LETTER = 0.5;
const LONG_RUN = 10;
/** Digits are one token each (Llama 2 splits them), and so is what touches a digit (a letter run's start, punctuation). */
const DIGIT = 1;
/** A space joins the next word's token, except before a digit, where it is a token of its own. */
const SPACE = 0.1;
/** Other ASCII: a line break or control character; punctuation and symbols. */
const CONTROL = 1;
const PUNCTUATION = 0.75;
/** Cyrillic letters, and the other two-byte UTF-8 characters (Latin accents, Greek, Hebrew, Arabic…). */
const CYRILLIC = 0.8;
const TWO_BYTE = 1.25;
/** CJK ideographs, kana, Hangul, fullwidth forms and other three-byte characters (Devanagari, Thai…). */
const THREE_BYTE = 2;
/** General punctuation and symbols (U+2000–U+2BFF), variation selectors, zero-width joiners: emoji glue, byte by byte. */
const SYMBOL = 3;
/** Outside the Basic Multilingual Plane (most emoji): one token per UTF-8 byte. */
const ASTRAL = 4;

/**
 * Estimates the tokens of a text without a tokenizer, as an upper bound: on the texts it was checked on (24 texts in
 * 20 kinds of script and content), it is never below the count of Llama 2's tokenizer, OpenAI's o200k_base or
 * cl100k_base, and at most twice the largest of them. Other tokenizers and other texts may differ; no text costs
 * more than one token per UTF-8 byte (plus one) under any of these three.
 *
 * @param text - Any text.
 * @returns A whole number of tokens.
 *
 * @example
 * ```ts
 * estimateTextTokens('What is the capital of Peru?'); // 12
 * ```
 */
export function estimateTextTokens(text: string): number {
  let tokens = 0;
  let runLength = 0; // letters in the current run of ASCII letters (0: not in one)
  let uppers = 0; // capitals ending the current run
  let previousDigit = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    const digit = code >= 48 && code <= 57;
    if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) {
      const upper = code <= 90;
      if (runLength === 0) tokens += (previousDigit ? DIGIT : RUN_START) + LETTER;
      else {
        // A new capital inside a run (camelCase, base64) or small letters after capitals (`ORw`) start a new token.
        const caseBreak = upper ? uppers === 0 : uppers >= 2;
        tokens += (caseBreak ? RUN_START : 0) + (runLength >= LONG_RUN || (upper && uppers > 0) ? HARD_LETTER : LETTER);
      }
      runLength += 1;
      uppers = upper ? uppers + 1 : 0;
    } else {
      runLength = 0;
      uppers = 0;
      tokens += otherCharacter(text, i, code, digit, previousDigit);
      if (code >= 0xd800 && code <= 0xdbff) i += 1; // the low half of a surrogate pair is counted with its high half
    }
    previousDigit = digit;
  }
  return Math.ceil(tokens);
}

/** The cost of a character that is not an ASCII letter. */
function otherCharacter(text: string, i: number, code: number, digit: boolean, previousDigit: boolean): number {
  if (digit) return DIGIT;
  if (code === 32) return isDigit(text.charCodeAt(i + 1)) ? DIGIT : SPACE;
  if (code < 32 || code === 127) return CONTROL;
  if (code < 128) return previousDigit || isDigit(text.charCodeAt(i + 1)) ? DIGIT : PUNCTUATION;
  if (code >= 0x400 && code <= 0x4ff) return CYRILLIC;
  if (code < 0x800) return TWO_BYTE;
  if (code >= 0xd800 && code <= 0xdbff) return ASTRAL;
  if ((code >= 0x2000 && code <= 0x2bff) || (code >= 0xfe00 && code <= 0xfe0f)) return SYMBOL;
  return THREE_BYTE;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
