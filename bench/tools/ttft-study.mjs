#!/usr/bin/env node
// Time to first token against load: rxllm's streamEach and the bare-undici baseline (optionally also the baseline
// made to spend extra CPU per token) at several concurrency levels, runs alternated, each run a fresh process of
// bench/tools/ttft-breakdown.mjs (5 × C streams of 200 tokens, the first C unmeasured).
//
// On a shared host the hypervisor takes a varying share of the machine's CPU ("steal") and, with the client's event
// loop this busy, time to first token follows it. So besides the medians, each level gets a least-squares fit
//   ttft = a + b × steal % + Σ c_k × [client k]
// whose c_k is client k's time-to-first-token difference to the baseline at equal steal, with its standard error.
//
// `--warm` streams one batch of the same size first in each process, unmeasured, as the benchmark's scenario 5 does.
// `--pin` puts the server on CPU 1 and the client on CPU 0 (as a remote provider would not share the client's CPU).
//
// Usage: node bench/tools/ttft-study.mjs [--levels 10,25,50,100] [--runs 5] [--warm] [--pin] [--burn-token-us 0] [--out file.md]
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spread } from '../lib/aggregate.mjs';

const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '10,25,50,100' },
    runs: { type: 'string', default: '5' },
    'burn-token-us': { type: 'string', default: '0' },
    warm: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const levels = values.levels.split(',').map(Number);
const runs = Number(values.runs);
const burnTokenUs = Number(values['burn-token-us']);
const TOOL = fileURLToPath(new URL('./ttft-breakdown.mjs', import.meta.url));

/** The configurations compared at one level: the baseline's pool is sized to the concurrency, as in the benchmark. */
const configs = (level) => {
  const common = ['--concurrency', String(level), ...(values.warm ? ['--warm', '1'] : []), ...(values.pin ? ['--pin'] : [])]; // `--warm 1`: one whole batch
  const baseline = ['baseline', ...common, '--sockets', String(level)];
  return [
    { label: 'rxllm', args: ['rxllm', ...common] },
    { label: 'baseline', args: baseline },
    ...(burnTokenUs > 0 ? [{ label: `baseline + ${burnTokenUs} µs/token`, args: [...baseline, '--burn-token-us', String(burnTokenUs)] }] : []),
  ];
};

const lines = [
  `| Concurrency | Client | TTFT p50 ms, median (min–max) of ${runs} runs | Client CPU s | Loop busy % | Stolen CPU % | TTFT − baseline at equal steal |`,
  '| --- | --- | --- | --- | --- | --- | --- |',
];
for (const level of levels) {
  const results = [];
  for (let round = 1; round <= runs; round += 1) {
    for (const config of configs(level)) {
      const result = await runTool(config.args);
      results.push({ label: config.label, ...result });
      process.stderr.write(
        `C=${level} ${round}/${runs} ${config.label}: TTFT ${result.ttftMs.toFixed(2)} ms, CPU ${(result.cpuMs / 1000).toFixed(2)} s, steal ${fmt(result.stealPct, 0)} %\n`,
      );
    }
  }
  const fit = fitSteal(results, 'baseline');
  for (const { label } of configs(level)) {
    const mine = results.filter((result) => result.label === label);
    const difference = fit.effects.get(label);
    lines.push(
      `| ${level} | ${label} | ${spreadCell(mine.map((r) => r.ttftMs), 2)} | ${spreadCell(mine.map((r) => r.cpuMs / 1000), 2)} | ` +
        `${spreadCell(mine.map((r) => r.loopUtilisation * 100), 0)} | ${spreadCell(mine.map((r) => r.stealPct), 0)} | ` +
        `${difference === undefined ? '—' : `${signed(difference.value)} ± ${difference.error.toFixed(1)} ms`} |`,
    );
  }
  lines.push(
    fit.perSteal === undefined
      ? `| ${level} | (fit) | the same stolen CPU in every run: the differences are of the means | | | | |`
      : `| ${level} | (fit) | ${signed(fit.perSteal.value, 2)} ± ${fit.perSteal.error.toFixed(2)} ms of TTFT per % of stolen CPU | | | | |`,
  );
}
const table = `${lines.join('\n')}\n`;
process.stdout.write(table);
if (values.out !== undefined) writeFileSync(values.out, table);

function runTool(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TOOL, ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (part) => (output += part));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = output.trim().split('\n').at(-1) ?? '';
      try {
        if (code !== 0) throw new Error(`exited with ${code}`);
        resolve(JSON.parse(line));
      } catch (error) {
        reject(new Error(`ttft-breakdown ${args.join(' ')}: ${error.message}\n${output}`));
      }
    });
  });
}

/**
 * Least squares of TTFT on stolen CPU % and one indicator per client other than `reference`.
 * @returns the slope per % of steal (undefined when steal never varied) and each client's difference to the reference,
 *   with standard errors.
 */
function fitSteal(results, reference) {
  const labels = [...new Set(results.map((r) => r.label))].filter((label) => label !== reference);
  // Stolen CPU that never varies is the intercept's: a column of it would only make the fit singular.
  const withSteal = new Set(results.map((r) => r.stealPct ?? 0)).size > 1;
  const first = withSteal ? 2 : 1;
  const rows = results.map((r) => [1, ...(withSteal ? [r.stealPct ?? 0] : []), ...labels.map((label) => (r.label === label ? 1 : 0))]);
  const y = results.map((r) => r.ttftMs);
  const p = rows[0].length;
  const xtx = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => rows.reduce((sum, row) => sum + row[i] * row[j], 0)));
  const xty = Array.from({ length: p }, (_, i) => rows.reduce((sum, row, k) => sum + row[i] * y[k], 0));
  const inverse = invert(xtx);
  const beta = inverse.map((row) => row.reduce((sum, value, j) => sum + value * xty[j], 0));
  const residual = rows.reduce((sum, row, k) => sum + (y[k] - row.reduce((s, value, j) => s + value * beta[j], 0)) ** 2, 0);
  const variance = residual / Math.max(1, rows.length - p);
  const estimate = (i) => ({ value: beta[i], error: Math.sqrt(Math.max(0, variance * inverse[i][i])) });
  return { perSteal: withSteal ? estimate(1) : undefined, effects: new Map(labels.map((label, k) => [label, estimate(first + k)])) };
}

/** Gauss–Jordan inverse of a small symmetric positive matrix (a column of zeros gives zeros). */
function invert(matrix) {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let row = col + 1; row < n; row += 1) if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) pivot = row;
    if (Math.abs(a[pivot][col]) < 1e-12) continue;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const scale = a[col][col];
    for (let j = 0; j < 2 * n; j += 1) a[col][j] /= scale;
    for (let row = 0; row < n; row += 1) {
      if (row === col) continue;
      const factor = a[row][col];
      for (let j = 0; j < 2 * n; j += 1) a[row][j] -= factor * a[col][j];
    }
  }
  return a.map((row) => row.slice(n));
}

function spreadCell(numbers, digits) {
  const stat = spread(numbers);
  if (stat === undefined) return '—';
  return stat.count === 1 ? fmt(stat.median, digits) : `${fmt(stat.median, digits)} (${fmt(stat.min, digits)}–${fmt(stat.max, digits)})`;
}

function fmt(value, digits) {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

function signed(value, digits = 1) {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
}
