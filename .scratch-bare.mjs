import { createServer } from 'node:http';
const latency = Number(process.argv[2] ?? 0);
const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Re: Prompt number 1 about something alpha beta gamma delta.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 16, total_tokens: 26 } });
createServer((req, res) => { const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => { JSON.parse(Buffer.concat(chunks).toString()); const send = () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); }; latency > 0 ? setTimeout(send, latency) : send(); }); }).listen(Number(process.env.PORT ?? 0), '127.0.0.1', function () { console.log(`listening on http://127.0.0.1:${this.address().port}`); });
process.on('SIGTERM', () => process.exit(0));
