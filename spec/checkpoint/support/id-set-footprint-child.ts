// Prints the heap bytes per id that an IdSet holds after `count` custom ids of 11 characters (`doc-0000000`), measured
// with process.memoryUsage() around forced collections. Run with `node --expose-gc --import tsx`.
import { IdSet } from '../../../src/checkpoint/id-set.js';

const count = Number(process.argv[2]);
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with --expose-gc');
// Two collections a turn apart: array buffers freed by the first are released after it.
const used = async () => {
  collect();
  await new Promise((resolveTurn) => setImmediate(resolveTurn));
  collect();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const before = await used();
const ids = new IdSet();
// Each id is parsed from JSON, as readPrompts gets it: a fresh string that only the set keeps alive.
for (let i = 0; i < count; i++) ids.add(JSON.parse(`"doc-${String(i).padStart(7, '0')}"`) as string);
const after = await used();
process.stdout.write(`${JSON.stringify({ size: ids.size, bytesPerId: (after - before) / count })}\n`);
