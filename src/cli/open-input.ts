import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { FatalCliError } from './usage-error.js';

/** A readable prompts stream: a file's, or stdin. */
export type PromptsInput = NodeJS.ReadableStream & AsyncIterable<Uint8Array | string> & { destroy?: () => void };

/**
 * Opens the prompts file (or `stdin` for `-`), failing early and clearly when it cannot be read.
 *
 * @param path - The prompts file, or `-`.
 * @param stdin - The process's standard input.
 * @returns The open stream.
 * @throws FatalCliError when the file is missing, a directory or unreadable.
 */
export async function openInput(path: string, stdin: PromptsInput): Promise<PromptsInput> {
  if (path === '-') return stdin;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new FatalCliError(`cannot read the prompts file ${path}: it is a directory`);
  } catch (error) {
    if (error instanceof FatalCliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new FatalCliError(`cannot read the prompts file ${path}: ${reason}`);
  }
  const stream = createReadStream(path);
  await new Promise<void>((resolveOpen, rejectOpen) => {
    stream.once('open', () => resolveOpen());
    stream.once('error', (error: NodeJS.ErrnoException) =>
      rejectOpen(new FatalCliError(`cannot read the prompts file ${path}: ${error.code === 'EACCES' ? 'permission denied' : error.message}`)),
    );
  });
  return stream;
}
