import { startMockServer } from './src/testing/index.js';
import { openaiWire } from './src/testing/openai-wire.js';
import { StatsRecorder } from './src/testing/mock-stats.js';
import * as answer from './src/testing/mock-answer.js';
const exp = process.env.EXP ?? '';
if (exp.includes('completion')) { const c = openaiWire.completion(({ id: 'x', model: 'm', created: 1, request: { inputTokens: 1 }, pieces: ['a'], finish: 'stop', toolId: '' }) as never); (openaiWire as { completion: unknown }).completion = () => c; }
if (exp.includes('stats')) StatsRecorder.prototype.deliveredAnswer = () => {};
const server = await startMockServer({ port: Number(process.env.PORT), latencyMs: 1 });
console.log(`listening on ${server.url}`);
process.on('SIGTERM', () => server.close());
