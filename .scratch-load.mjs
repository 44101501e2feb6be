import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';

const [mode = 'mock', total = '100000', latency = '1', stream = '0'] = process.argv.slice(2);
const args = mode === 'dist' ? [...(process.env.NODEARGS ?? '').split(' ').filter(Boolean), '.scratch-dist/main.mjs', '--port', '0', '--latency', latency, ...(process.env.EXTRA ?? '').split(' ').filter(Boolean)] : mode === 'mock'
  ? [...(process.env.NODEARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'src/testing/mock-server-main.ts', '--port', '0', '--latency', latency, ...(process.env.EXTRA ?? '').split(' ').filter(Boolean)]
  : [...(process.env.NODEARGS ?? '').split(' ').filter(Boolean), '.scratch-bare.mjs', latency];
const child = process.env.URL ? { pid: Number(process.env.PID), kill() {}, stdout: null } : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = process.env.URL ? [process.env.URL] : await once(createInterface({ input: child.stdout }), 'line');
const url = /(http:\/\/\S+)/.exec(line)[1];
const cpu = () => { const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const agent = new Agent({ connections: 256, pipelining: 1 });
const body = (i) => JSON.stringify({ model: 'm', stream: stream === '1', messages: [{ role: 'user', content: `Prompt number ${i} about something` }] });
let next = 0, done = 0;
const cpu0 = cpu(); const t0 = performance.now(); const c0 = process.cpuUsage();
async function worker() {
  while (next < Number(total)) {
    const i = next++;
    const r = await request(`${url}/v1/chat/completions`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: body(i) });
    await r.body.text(); done++;
  }
}
await Promise.all(Array.from({ length: 256 }, worker));
const wall = performance.now() - t0; const c = process.cpuUsage(c0);
console.log(`${mode} n=${done} wall=${wall.toFixed(0)}ms rps=${(done / wall * 1000).toFixed(0)} serverCPU=${cpu() - cpu0}ms (${((cpu() - cpu0) * 1000 / done).toFixed(1)}us/req) clientCPU=${((c.user + c.system) / 1000).toFixed(0)}ms`);
if (mode !== 'bare') console.log(await (await request(`${url}/stats`, { dispatcher: agent })).body.json().then(s => JSON.stringify({ requests: s.requests, delivered: s.delivered, maxInFlight: s.maxInFlight, connections: s.connections })));
child.kill('SIGTERM'); await agent.close();
