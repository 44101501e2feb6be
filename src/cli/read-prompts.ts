import { IdSet, readLines } from '../index.js';
import { type BadLine, type PromptLine, parsePromptLine } from './parse-prompt-line.js';

/** Options of `readPrompts`. */
export interface ReadPromptsOptions {
  /** Ids already recorded in the results file: counted through `onSkipped`, not yielded. */
  done: IdSet;
  /** Called for each malformed line and each duplicate id, in input order. */
  onBadLine: (bad: BadLine) => void;
  /** `fail`: stop reading (the generator returns) after the first bad line. @defaultValue `'skip'` */
  badLines?: 'skip' | 'fail';
  /** Called for each prompt whose id is in `done`. */
  onSkipped?: (line: PromptLine) => void;
  /** Longest input line accepted. @defaultValue `64 MiB` */
  maxLineBytes?: number;
}

/**
 * Reads a prompts JSONL stream lazily and yields the prompts still to send: blank lines are ignored, malformed lines
 * and repeated ids go to `onBadLine` (with their line numbers; with `badLines: 'fail'` reading then stops), ids already in `done` go to `onSkipped`. The stream
 * is read only as fast as the consumer pulls, so memory stays bounded whatever the file size (ids are remembered
 * compactly, to catch duplicates). Returning early (or an error) destroys the stream.
 *
 * @param input - The prompts file or stdin stream.
 * @param options - Ids to skip and the callbacks.
 * @returns An async generator of prompt lines, in input order.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * const source = readPrompts(createReadStream('prompts.jsonl'), { done: new IdSet(), onBadLine: (bad) => console.error(bad.message) });
 * for await (const line of source) console.log(line.id, line.prompt);
 * ```
 */
export async function* readPrompts(
  input: AsyncIterable<Uint8Array | string> & { destroy?: () => void },
  { done, onBadLine, badLines = 'skip', onSkipped, maxLineBytes }: ReadPromptsOptions,
): AsyncGenerator<PromptLine> {
  const seen = new IdSet();
  const bad = (line: BadLine): boolean => {
    onBadLine(line);
    return badLines === 'fail';
  };
  try {
    for await (const line of readLines(input, maxLineBytes === undefined ? {} : { maxLineBytes })) {
      if (line.tooLong) {
        const message = `line ${line.number}: longer than the ${maxLineBytes ?? 64 * 1024 * 1024}-byte limit`;
        if (bad({ kind: 'bad', lineNumber: line.number, message })) return;
        continue;
      }
      const parsed = parsePromptLine(line.text, line.number);
      if (parsed === undefined) continue;
      if (parsed.kind === 'bad') {
        if (bad(parsed)) return;
        continue;
      }
      if (!seen.add(parsed.id)) {
        const message = `line ${line.number}: duplicate id ${JSON.stringify(parsed.id)} (ids must be unique: resume skips by id)`;
        if (bad({ kind: 'bad', lineNumber: line.number, message })) return;
        continue;
      }
      if (done.has(parsed.id)) {
        onSkipped?.(parsed);
        continue;
      }
      yield parsed;
    }
  } finally {
    input.destroy?.();
  }
}
