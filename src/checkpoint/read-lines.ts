/** One line of a text stream. */
export interface Line {
  /** The line's text, without its `\n` (or `\r\n`); `''` when `tooLong`. */
  text: string;
  /** 1-based line number. */
  number: number;
  /** Byte offset of the line's first byte in the stream. */
  offset: number;
  /** Bytes the line takes, newline included. */
  byteLength: number;
  /** False for a last line that has no newline (possibly torn by a crash mid-write). */
  terminated: boolean;
  /** True when the line was longer than `maxLineBytes`: its bytes were dropped, not kept in memory. */
  tooLong: boolean;
}

/** Options of `readLines`. */
export interface ReadLinesOptions {
  /** Longest line kept in memory; longer ones are yielded with `tooLong: true`. @defaultValue `64 MiB` */
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines, lazily: the next chunk is read only when the consumer asks for the next line,
 * so a file of any size is read with memory bounded by one chunk plus the longest line. Splits on `\n` bytes
 * (safe in UTF-8), drops a trailing `\r` and a leading byte-order mark, and reports byte offsets so that a caller can
 * truncate a torn last line.
 *
 * @param source - A readable stream (file, stdin) or any async iterable of chunks.
 * @returns An async generator of lines.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { readLines } from 'rxllm';
 * for await (const line of readLines(createReadStream('prompts.jsonl'))) console.log(line.number, line.text);
 * ```
 */
export async function* readLines(
  source: AsyncIterable<Uint8Array | string>,
  { maxLineBytes = 64 * 1024 * 1024 }: ReadLinesOptions = {},
): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let offset = 0;
  let number = 0;

  const append = (part: Buffer): void => {
    pendingBytes += part.length;
    if (tooLong) return;
    if (pendingBytes > maxLineBytes) {
      tooLong = true;
      pending = [];
    } else if (part.length > 0) {
      pending.push(part);
    }
  };

  const take = (terminated: boolean): Line => {
    let text = tooLong ? '' : (pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes)).toString('utf8');
    if (terminated && text.endsWith('\r')) text = text.slice(0, -1);
    if (number === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    number += 1;
    const line: Line = { text, number, offset, byteLength: pendingBytes + (terminated ? 1 : 0), terminated, tooLong };
    offset += line.byteLength;
    pending = [];
    pendingBytes = 0;
    tooLong = false;
    return line;
  };

  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      append(chunk.subarray(start, end));
      yield take(true);
      start = end + 1;
    }
    if (start < chunk.length) append(chunk.subarray(start));
  }
  if (pendingBytes > 0) yield take(false);
}
