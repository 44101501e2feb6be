// The prompts every client sends: the index is in the text, so the server can count deliveries per prompt.

/** Prompt text for input `index`. */
export function promptText(index) {
  return `Benchmark prompt #${index}: answer briefly.`;
}

/** All `n` prompts as an array (the usual way to hand a batch to a client). */
export function promptArray(n) {
  return Array.from({ length: n }, (_, index) => promptText(index));
}

/** A lazy async generator of `n` prompts: nothing is built before it is pulled. */
export async function* lazyPrompts(n) {
  for (let index = 0; index < n; index += 1) yield promptText(index);
}

/** The model name sent to the server. */
export const MODEL = 'bench-model';
/** The API key every client is given (the local server ignores it). */
export const API_KEY = 'sk-bench-local-not-a-secret';
