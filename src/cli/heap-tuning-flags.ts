/**
 * How far V8 may let the old space grow above the live data before its next full collection, in percent, for the
 * `rxllm` process. V8's own factor (up to 4×, chosen from GC and mutator speed) lets `rxllm run` reach 185 MB RSS
 * on 30,000 prompts whose live heap is 22 MB (issue 25, `--trace-gc`); at 50 % it peaks near 130 MB for a little
 * more GC time. It sets no ceiling: a run that needs a large heap still gets it.
 */
export const CLI_HEAP_GROWING_PERCENT = 50;

/**
 * The V8 flags the `rxllm` executable sets for itself at startup (`v8.setFlagsFromString`; the flag is read at each
 * full collection): a moderate heap growing factor, unless the user chose one on Node's command line
 * (`node --heap-growing-percent=… rxllm …`).
 *
 * @param execArgv - The process's Node options (`process.execArgv`).
 * @returns The flags to set, possibly none.
 */
export function heapTuningFlags(execArgv: readonly string[]): string[] {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return [];
  return [`--heap-growing-percent=${CLI_HEAP_GROWING_PERCENT}`];
}
