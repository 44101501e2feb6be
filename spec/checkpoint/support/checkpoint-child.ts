// A library user's run with a checkpoint, as a child process for the kill -9 test:
// `node --import tsx checkpoint-child.ts <openaiBaseURL> <results.jsonl> <count>`.
import { parallelChat } from '../../../src/index.js';
import { openai } from '../../../src/index.js';

const [baseURL, path, count] = process.argv.slice(2);
const items = Array.from({ length: Number(count) }, (_, i) => ({ id: `q${i}`, prompt: `Question ${i}` }));
await parallelChat(openai({ baseURL: baseURL!, apiKey: 'mock', model: 'mock-model' }), items, { rpm: Infinity, maxActive: 4, onError: 'continue', checkpoint: path! });
