#!/usr/bin/env node
// Summarises V8 CPU profiles written by `npm run bench -- --cpu-prof`: self time by package and by function.
// Usage: node bench/tools/profile-summary.mjs bench/results/profiles/CPU.*.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
if (positionals.length === 0) {
  process.stderr.write('Usage: node bench/tools/profile-summary.mjs <file.cpuprofile>... [--top 25]\n');
  process.exit(2);
}
const top = Number.parseInt(values.top, 10) || 25;

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map();
  const byPackage = new Map();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const { callFrame } = byId.get(id);
    total += micros;
    const where = place(callFrame.url);
    const key = `${callFrame.functionName || '(anonymous)'}  ${where}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    byPackage.set(where, (byPackage.get(where) ?? 0) + micros);
  }
  const print = (title, map, limit) => {
    process.stdout.write(`\n${title}\n`);
    for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
      process.stdout.write(`${(micros / 1000).toFixed(1).padStart(9)} ms ${((100 * micros) / total).toFixed(1).padStart(5)} %  ${key}\n`);
    }
  };
  process.stdout.write(`\n== ${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
  print('Self time by package', byPackage, 15);
  print('Self time by function', byFunction, top);
}

function place(url) {
  if (!url) return '(native / GC / idle)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/dist/')) return `rxllm dist/${url.split('/dist/')[1]}`;
  if (url.includes('/bench/')) return `bench/${url.split('/bench/')[1]}`;
  return url;
}
