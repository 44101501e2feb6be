import { basename, relative } from 'node:path';

/**
 * The command line that re-runs this process, shell-quoted, for the "to resume, run: …" hint. The program is
 * `rxllm` when invoked through the `rxllm` bin, else `node <script>` (or `npx tsx <script>` for TypeScript).
 *
 * @param script - `process.argv[1]`.
 * @param args - The arguments after the script.
 * @param cwd - The working directory, to show the script relative to it.
 *
 * @example
 * ```ts
 * formatCommand('/usr/local/bin/rxllm', ['run', 'my prompts.jsonl', '-o', 'out.jsonl']);
 * // "rxllm run 'my prompts.jsonl' -o out.jsonl"
 * ```
 */
export function formatCommand(script: string | undefined, args: readonly string[], cwd = process.cwd()): string {
  return [...program(script, cwd), ...args].map(shellQuote).join(' ');
}

function program(script: string | undefined, cwd: string): string[] {
  if (script === undefined) return ['rxllm'];
  const name = basename(script);
  if (name === 'rxllm') return ['rxllm'];
  const shown = relative(cwd, script) || script;
  const path = shown.startsWith('..') ? script : shown;
  return /\.[cm]?ts$/.test(name) ? ['npx', 'tsx', path] : ['node', path];
}

/** Quotes one argument for a POSIX shell, leaving plain words alone. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
