import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { type MockServer, parseMockServerArgs, runMockServerCommand } from '../../src/mock-server/index.js';
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

  it('prints the usage for --help, and a clear message with exit code 2 for a bad flag', async () => {
    const help = sink();
    expect(await runMockServerCommand(['--help'], { stdout: help, handleSignals: false })).toBe(0);
    expect(help.text).toMatch(/^Usage: rxllm mock-server/);
    expect(help.text).toContain('--fail-rate');
    const stderr = sink();
    expect(await runMockServerCommand(['--latency', 'x'], { stderr, handleSignals: false })).toBe(2);
    expect(stderr.text).toMatch(/^rxllm mock-server: --latency: expected milliseconds/);
    expect(stderr.text).toContain('--help');
  });

  it('returns 1 when the port is taken', async () => {
    const controller = new AbortController();
    let server: MockServer | undefined;
    const first = runMockServerCommand([], { stdout: sink(), stderr: sink(), signal: controller.signal, handleSignals: false, onListening: (s) => (server = s) });
    await expect.poll(() => server).toBeDefined();
    const stderr = sink();
    expect(await runMockServerCommand(['--port', String(server!.port)], { stdout: sink(), stderr, handleSignals: false })).toBe(1);
    expect(stderr.text).toMatch(/cannot start: .*EADDRINUSE/);
    controller.abort();
    expect(await first).toBe(0);
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
