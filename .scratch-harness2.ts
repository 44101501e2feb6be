import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { startMockServer } from './src/testing/index.js';
const session = new Session(); session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
const server = await startMockServer({ port: Number(process.env.PORT), latencyMs: 1 });
console.log(`listening on ${server.url}`);
process.on('SIGTERM', async () => {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const self = new Map<string, number>();
  const name = (node: any) => `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').slice(-1).join('/')}:${node.callFrame.lineNumber}`;
  const walk = (node: any, path: string[]) => { const k = [...path.slice(-3), name(node)].join(' < '); self.set(k, (self.get(k) ?? 0) + node.selfSize); node.children.forEach((c: any) => walk(c, [...path, name(node)])); };
  walk(profile.head, []);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  writeFileSync('/tmp/alloc.txt', [`total ${(total / 1e6).toFixed(1)} MB`, ...[...self].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${(v / 1e6).toFixed(2).padStart(8)} MB ${k}`)].join('\n'));
  await server.close(); process.exit(0);
});
