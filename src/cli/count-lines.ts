import { createReadStream } from 'node:fs';

/**
 * Counts the non-empty lines of a file without holding it in memory (native newline search over 64 KiB chunks), to
 * give the progress bar a total and an ETA while the run reads the same file lazily. Lines holding only `\r` count
 * as empty; a line of spaces counts as a line (close enough for a progress total).
 *
 * @param path - The file.
 * @param signal - Aborts the count (the run ended first).
 * @returns The number of non-empty lines.
 *
 * @example
 * ```ts
 * const total = await countLines('prompts.jsonl');
 * ```
 */
export async function countLines(path: string, signal?: AbortSignal): Promise<number> {
  const stream = createReadStream(path, { highWaterMark: 1 << 16, ...(signal === undefined ? {} : { signal }) });
  let lines = 0;
  let lineLength = 0;
  let lastByte = -1;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(0x0a, start);
      if (end === -1) break;
      const length = lineLength + (end - start);
      const previous = end > 0 ? chunk[end - 1]! : lastByte;
      if (length > 1 || (length === 1 && previous !== 0x0d)) lines += 1;
      lineLength = 0;
      start = end + 1;
    }
    lineLength += chunk.length - start;
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1]!;
  }
  if (lineLength > 0) lines += 1;
  return lines;
}
