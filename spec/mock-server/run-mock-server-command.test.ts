import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { type MockServer, parseMockServerArgs, runMockServerCommand } from '../../src/mock-server/index.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { createMockClient, openaiBody } from './mock-client.js';

function sink() {
  let text = '';
  return { write: (chunk: string) => (text += chunk), get text() { return text; } };
}

describe('parseMockServerArgs', () => {
  it('turns flags into MockServerOptions', () => {
    expect(
      parseMockServerArgs([
        '--port', '0', '--latency', '50..200', '--tokens-per-second', '40', '--chunk-tokens', '2', '--answer-tokens', '30',
        '--rpm-limit', '600', '--tpm-limit', '90000', '--window-ms', '1000', '--rate-limit-algorithm', 'token-bucket',
        '--seed', '9', '--model', 'm', '--retry-after-ms', '250', '--no-deliveries',
      ]),
    ).toEqual({
      port: 0, latencyMs: [50, 200], tokensPerSecond: 40, chunkTokens: 2, answerTokens: 30, rpmLimit: 600, tpmLimit: 90_000,
      windowMs: 1000, rateLimitAlgorithm: 'token-bucket', seed: 9, model: 'm', faultRetryAfterMs: 250, trackDeliveries: false,
    });
    expect(parseMockServerArgs(['--latency', '25'])).toEqual({ latencyMs: 25 });
    expect(parseMockServerArgs([])).toEqual({});
    expect(parseMockServerArgs(['-h'])).toBe('help');
    expect(parseMockServerArgs(['--api-key', 'k-1'])).toEqual({ apiKey: 'k-1' });
  });

  it('turns the batch flags into the batch options (--batch-delay takes 500ms, 90s, 2m, 2h or plain seconds)', () => {
    expect(
      parseMockServerArgs([
        '--batch-delay', '90s', '--batch-error-rate', '5%', '--batch-fault', 'failed=0.1', '--batch-fault', 'expired=0.2',
        '--batch-enqueued-token-limit', '2000000', '--batch-max-requests', '10', '--batch-max-bytes', '4096',
      ]),
    ).toEqual({
      batchDelayMs: 90_000,
      batchErrorRate: 0.05,
      batchFaults: { failed: 0.1, expired: 0.2 },
      batchEnqueuedTokenLimit: 2_000_000,
      batchMaxRequests: 10,
      batchMaxBytes: 4096,
    });
    expect(parseMockServerArgs(['--batch-delay', '500ms'])).toEqual({ batchDelayMs: 500 });
    expect(parseMockServerArgs(['--batch-delay', '2h'])).toEqual({ batchDelayMs: 7_200_000 });
    expect(parseMockServerArgs(['--batch-delay', '3'])).toEqual({ batchDelayMs: 3_000 });
    expect(parseMockServerArgs(['--batch-delay', '1.5m'])).toEqual({ batchDelayMs: 90_000 });
  });

  it('reads the flags of limit headers, a fixed window, a per-day count and other traffic', () => {
    expect(
      parseMockServerArgs(['--rate-limit-algorithm', 'fixed-window', '--rate-limit-headers', 'per-day-requests', '--requests-per-day', '500', '--other-traffic', '30%']),
    ).toEqual({ rateLimitAlgorithm: 'fixed-window', rateLimitHeaders: 'per-day-requests', requestsPerDay: 500, otherTrafficShare: 0.3 });
    expect(parseMockServerArgs(['--rate-limit-headers', 'none', '--other-traffic', '0.25'])).toEqual({ rateLimitHeaders: 'none', otherTrafficShare: 0.25 });
    expect(() => parseMockServerArgs(['--rate-limit-headers', 'some'])).toThrow(/^--rate-limit-headers: expected standard, per-day-requests or none, got "some"\.$/);
    expect(() => parseMockServerArgs(['--other-traffic', '100%'])).toThrow(/^--other-traffic: expected a share below 1/);
    expect(() => parseMockServerArgs(['--other-traffic', 'lots'])).toThrow(/^--other-traffic: expected a rate from 0 to 1/);
    expect(() => parseMockServerArgs(['--requests-per-day', '0'])).toThrow(/^--requests-per-day: /);
  });

  it('spreads --fail-rate over the common retryable faults, and --fault sets one kind', () => {
    const { faults } = parseMockServerArgs(['--fail-rate', '10%', '--fault', '503=0.05', '--fault', 'hang=0.01']) as { faults: Record<string, number> };
    expect(faults).toEqual({ '500': 0.02, '502': 0.02, '503': 0.05, '429': 0.02, reset: 0.02, hang: 0.01 });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', 'abc'], /^--port: expected an integer from 0 to 65535, got "abc"\.$/],
    [['--port', '70000'], /^--port: expected an integer from 0 to 65535/],
    [['--latency', 'slow'], /^--latency: expected milliseconds like 50 or a range like 50\.\.200, got "slow"\.$/],
    [['--latency', '200..50'], /^--latency: expected MIN\.\.MAX with MIN <= MAX/],
    [['--fail-rate', '2'], /^--fail-rate: expected a rate from 0 to 1/],
    [['--fault', 'explode=0.1'], /^--fault: unknown fault "explode"/],
    [['--fault', '503'], /^--fault: expected kind=rate/],
    [['--fault', '503=0.7', '--fault', '500=0.6'], /add up to 1\.3, more than 1/],
    [['--rpm-limit', '0'], /^--rpm-limit: expected an integer >= 1/],
    [['--rate-limit-algorithm', 'leaky'], /^--rate-limit-algorithm: expected sliding-window, token-bucket or fixed-window/],
    [['extra'], /Unexpected argument 'extra'/],
    [['--batch-delay', 'soon'], /^--batch-delay: expected a duration like 500ms, 90s, 2m, 2h or seconds/],
    [['--batch-error-rate', '1.5'], /^--batch-error-rate: expected a rate from 0 to 1/],
    [['--batch-fault', 'exploded=0.1'], /^--batch-fault: expected failed=RATE or expired=RATE/],
    [['--batch-fault', 'failed=0.7', '--batch-fault', 'expired=0.7'], /^--batch-fault: the rates add up to 1\.4, more than 1/],
    [['--batch-max-requests', '0'], /^--batch-max-requests: expected an integer >= 1/],
  ])('rejects %j with a message naming the flag', (argv, message) => {
    expect(() => parseMockServerArgs(argv)).toThrow(message);
  });
});

describe('runMockServerCommand', () => {
  it('prints the URL first, serves until its signal aborts, then returns 0', async () => {
    const stdout = sink();
    const stderr = sink();
    const controller = new AbortController();
    const client = createMockClient();
    let server: MockServer | undefined;
    const exit = runMockServerCommand(['--port', '0', '--answer-tokens', '4', '--seed', '5'], {
      stdout,
      stderr,
      signal: controller.signal,
      handleSignals: false,
      onListening: (running) => (server = running),
    });
    await expect.poll(() => server).toBeDefined();
    const [firstLine] = stdout.text.split('\n');
    expect(firstLine).toBe(`rxllm mock server listening on ${server!.url}`);
    expect(stdout.text).toContain(`OPENAI_BASE_URL=${server!.url}/v1`);
    const reply = await client.post(`${server!.openaiBaseURL}/chat/completions`, openaiBody('cli'));
    expect(JSON.parse(reply.text).usage.completion_tokens).toBe(4);
    await client.close();
    controller.abort();
    expect(await exit).toBe(0);
    expect(stderr.text).toMatch(/stopped after 1 requests/);
  });

  it('prints the usage for --help, and a clear message with exit code 64 (bad usage, as rxllm run) for a bad flag', async () => {
    const help = sink();
    expect(await runMockServerCommand(['--help'], { stdout: help, handleSignals: false })).toBe(0);
    expect(help.text).toMatch(/^Usage: rxllm mock-server/);
    expect(help.text).toContain('--fail-rate');
    const stderr = sink();
    expect(await runMockServerCommand(['--latency', 'x'], { stderr, handleSignals: false })).toBe(ExitCode.usage);
    expect(stderr.text).toMatch(/^rxllm mock-server: --latency: expected milliseconds/);
    expect(stderr.text).toContain('--help');
  });

  it('returns 2 (fatal, as rxllm run) when the port is taken', async () => {
    const controller = new AbortController();
    let server: MockServer | undefined;
    const first = runMockServerCommand([], { stdout: sink(), stderr: sink(), signal: controller.signal, handleSignals: false, onListening: (s) => (server = s) });
    await expect.poll(() => server).toBeDefined();
    const stderr = sink();
    expect(await runMockServerCommand(['--port', String(server!.port)], { stdout: sink(), stderr, handleSignals: false })).toBe(ExitCode.fatal);
    expect(stderr.text).toMatch(/cannot start: .*EADDRINUSE/);
    controller.abort();
    expect(await first).toBe(0);
  });

  it('--api-key: answers 401 without that key and 200 with it (Bearer or x-api-key), and never prints the key', async () => {
    const stdout = sink();
    const stderr = sink();
    const controller = new AbortController();
    const client = createMockClient();
    let server: MockServer | undefined;
    const key = 'mock-secret-key-4821';
    const exit = runMockServerCommand(['--api-key', key], { stdout, stderr, signal: controller.signal, handleSignals: false, onListening: (s) => (server = s) });
    await expect.poll(() => server).toBeDefined();
    const url = `${server!.openaiBaseURL}/chat/completions`;
    expect((await client.post(url, openaiBody('no key'))).status).toBe(401);
    expect((await client.post(url, openaiBody('wrong'), { authorization: 'Bearer mock-secret-key-4822' })).status).toBe(401);
    expect((await client.post(url, openaiBody('bearer'), { authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await client.post(`${server!.anthropicBaseURL}/v1/messages`, { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': key })).status).toBe(200);
    await client.close();
    controller.abort();
    expect(await exit).toBe(0);
    expect(stdout.text + stderr.text).not.toContain('4821');
  });
});

describe('mock-server-main.ts as a child process', () => {
  it('prints the URL as its first line, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/mock-server/mock-server-main.ts', '--port', '0', '--answer-tokens', '3'], {
      cwd: new URL('../..', import.meta.url),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout });
    const [firstLine] = (await once(lines, 'line')) as [string];
    const url = /^rxllm mock server listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(firstLine)?.[1];
    expect(url).toBeDefined();
    const client = createMockClient();
    const reply = await client.post(`${url}/v1/chat/completions`, openaiBody('child'));
    expect(JSON.parse(reply.text).choices[0].message.content).toMatch(/^Re: child [a-z]+\.$/);
    await client.close();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
