// Micro-benchmark: the cost of `retryWithBackoff` on the success path, hand-written (before the RxJS rebuild) against
// the RxJS `retry({ count, delay })` version. Two figures per implementation:
//   per chunk   - ns per value of a 200-value synchronous stream through the operator (a streamed answer's chunks);
//   per request - ns per subscription of a one-value source (one chat request).
// Each figure is the median of its measurement rounds within one process; the printout gives the median (and range)
// of those over `--runs` child processes, alternating old and new.
//
// Usage: npx tsx bench/tools/retry-with-backoff-bench.ts [--runs 9]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type MonoTypeOperatorFunction, Observable } from 'rxjs';
import { retryWithBackoff } from '../../src/model/retry-with-backoff.js';
import { retryWithBackoff as handWrittenRetryWithBackoff } from './hand-written-retry-with-backoff.js';

type Variant = 'hand-written' | 'rxjs';
interface Figures {
  perChunkNs: number;
  perRequestNs: number;
}

const CHUNKS = 200;
const ROUNDS = 15;

const operatorOf = (variant: Variant): MonoTypeOperatorFunction<number> =>
  variant === 'rxjs' ? retryWithBackoff<number>({ maxRetries: 2 }) : handWrittenRetryWithBackoff<number>({ maxRetries: 2 });

/** A synchronous source of `count` values, built by hand so that the source's own cost is as small as it gets. */
function values(count: number): Observable<number> {
  return new Observable<number>((subscriber) => {
    for (let i = 0; i < count && !subscriber.closed; i++) subscriber.next(i);
    subscriber.complete();
  });
}

let sink = 0;
/** Median ns per unit of `run(iterations)` over ROUNDS rounds, after a warm-up. */
function measure(iterations: number, unitsPerIteration: number, run: (iterations: number) => void): number {
  run(iterations); // warm-up: let the JIT settle
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    run(iterations);
    samples.push(Number(process.hrtime.bigint() - start) / (iterations * unitsPerIteration));
  }
  return median(samples);
}

function child(variant: Variant): Figures {
  const operator = operatorOf(variant);
  const stream = values(CHUNKS).pipe(operator);
  const single = values(1).pipe(operator);
  const observer = { next: (value: number) => (sink += value) };
  const baseline = (source: Observable<number>) => (iterations: number) => {
    for (let i = 0; i < iterations; i++) source.subscribe(observer);
  };
  // Per chunk: the cost above the bare source, divided over its chunks; per request: the same for one value.
  const bareStream = measure(2_000, CHUNKS, baseline(values(CHUNKS)));
  const perChunkNs = measure(2_000, CHUNKS, baseline(stream)) - bareStream;
  const bareSingle = measure(100_000, 1, baseline(values(1)));
  const perRequestNs = measure(100_000, 1, baseline(single)) - bareSingle;
  return { perChunkNs, perRequestNs };
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function parent(runs: number): void {
  const self = fileURLToPath(import.meta.url);
  const results: Record<Variant, Figures[]> = { 'hand-written': [], rxjs: [] };
  for (let run = 0; run < runs; run++) {
    const order: Variant[] = run % 2 === 0 ? ['hand-written', 'rxjs'] : ['rxjs', 'hand-written'];
    for (const variant of order) {
      const output = execFileSync(process.execPath, [...process.execArgv, self, '--child', variant], { encoding: 'utf8' });
      results[variant].push(JSON.parse(output) as Figures);
    }
  }
  console.log(`retryWithBackoff, success path, ${runs} process runs per variant (median [min-max]):`);
  for (const variant of ['hand-written', 'rxjs'] as const) {
    const show = (key: keyof Figures) => {
      const all = results[variant].map((figures) => figures[key]);
      return `${median(all).toFixed(1)} [${Math.min(...all).toFixed(1)}-${Math.max(...all).toFixed(1)}] ns`;
    };
    console.log(`  ${variant.padEnd(12)} per chunk (${CHUNKS}-chunk streams): ${show('perChunkNs')}   per request: ${show('perRequestNs')}`);
  }
}

const args = process.argv.slice(2);
const childAt = args.indexOf('--child');
if (childAt >= 0) {
  const figures = child(args[childAt + 1] as Variant);
  process.stdout.write(JSON.stringify(figures));
  if (sink < 0) console.error(sink); // keeps `sink` alive
} else {
  const runsAt = args.indexOf('--runs');
  parent(runsAt >= 0 ? Number(args[runsAt + 1]) : 9);
}
