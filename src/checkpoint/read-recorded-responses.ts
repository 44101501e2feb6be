import { createReadStream } from 'node:fs';
import type { ChatResponse, PromptId } from '../types.js';
import { CheckpointError } from './checkpoint-error.js';
import type { ResultLine } from './format-result-line.js';
import { readLines } from './read-lines.js';

/**
 * Reads back, from a results file, the answers of the prompts a checkpointed run skipped: for each key of `wanted`
 * with an ok line, a `ChatResponse` rebuilt from that line (`text`, `finishReason`, `usage`, `model`; `raw` is the
 * line itself), with the line's `id` and `meta`.
 *
 * @param path - The results file.
 * @param wanted - Keys to read, each with the position to report it under.
 * @returns The rebuilt answers by position.
 * @throws CheckpointError when the file cannot be read.
 */
export async function readRecordedResponses(path: string, wanted: ReadonlyMap<PromptId, number>): Promise<Map<number, ChatResponse>> {
  const found = new Map<number, ChatResponse>();
  try {
    for await (const line of readLines(createReadStream(path))) {
      if (line.tooLong || line.text.trim() === '') continue;
      let record: ResultLine;
      try {
        record = JSON.parse(line.text) as ResultLine;
      } catch {
        continue; // a torn last line; the scan at open cut any other
      }
      const index = wanted.get(record.id);
      if (index === undefined || !record.ok) continue;
      const response: ChatResponse = { text: record.text, finishReason: record.finishReason, usage: record.usage, model: record.model, raw: record };
      if (typeof record.id === 'string' && !record.id.startsWith('index-')) response.id = record.id;
      else if (typeof record.id === 'number') response.id = record.id;
      if (record.meta !== undefined) response.meta = record.meta;
      found.set(index, response);
    }
  } catch (error) {
    throw new CheckpointError(`cannot read the results file ${path}: ${(error as Error).message}`);
  }
  return found;
}
