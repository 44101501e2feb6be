import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../../src/cli/run-cli.js';

/**
 * Runs `rxllm` in this process with its output captured, stdin from `input` (empty without one), and no signal
 * handlers installed.
 */
export async function runCliInProcess(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().setEncoding('utf8');
  const err = new PassThrough().setEncoding('utf8');
  out.on('data', (text: string) => (stdout += text));
  err.on('data', (text: string) => (stderr += text));
  const code = await runCli(args, {
    stdin: Readable.from(input === undefined ? [] : [input]) as unknown as NodeJS.ReadStream,
    stdout: out,
    stderr: err,
    script: '/usr/bin/rxllm',
    signals: { on: () => process, off: () => process } as unknown as Pick<NodeJS.Process, 'on' | 'off'>,
  });
  return { code, stdout, stderr };
}
