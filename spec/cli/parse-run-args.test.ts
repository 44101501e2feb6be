import { describe, expect, it } from 'vitest';
import { parseParamFlags, parseRunArgs, type RunOptions } from '../../src/cli/parse-run-args.js';
import { suggestFlag } from '../../src/cli/suggest-flag.js';
import { UsageError } from '../../src/cli/usage-error.js';

const base = ['prompts.jsonl', '-o', 'out.jsonl', '--model', 'openai/gpt-4o-mini'];

function usageMessage(argv: string[]): string {
  try {
    parseRunArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseRunArgs', () => {
  it('reads --redis and --limiter-key, and wants --redis with --limiter-key', () => {
    const options = parseRunArgs([...base, '--redis', 'redis://127.0.0.1:6379', '--limiter-key', 'team-a']) as RunOptions;
    expect(options).toMatchObject({ redis: 'redis://127.0.0.1:6379', limiterKey: 'team-a' });
    expect(usageMessage([...base, '--limiter-key', 'team-a'])).toMatch(/--limiter-key needs --redis/);
    expect(usageMessage([...base, '--redis', 'redis://h', '--limiter-key', 'a{b}'])).toMatch(/--limiter-key expected a non-empty name without \{ or \}/);
  });

  it('rejects a --redis URL that is not redis:// without echoing it (it may hold a password)', () => {
    const message = usageMessage([...base, '--redis', 'http://user:s3cret-pass@127.0.0.1:6379']);
    expect(message).toMatch(/--redis expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(message).not.toContain('s3cret');
  });

  it("takes --rpm auto and --tpm auto as written, and a number as a ceiling", () => {
    expect(parseRunArgs([...base, '--rpm', 'auto', '--tpm', '90000'])).toMatchObject({ rpm: 'auto', tpm: 90_000 });
    expect(parseRunArgs([...base, '--rpm', '600'])).toMatchObject({ rpm: 600, tpm: 'auto' });
  });

  it('applies the defaults', () => {
    const options = parseRunArgs(base) as RunOptions;
    expect(options).toEqual({
      input: 'prompts.jsonl',
      output: 'out.jsonl',
      model: 'openai/gpt-4o-mini',
      maxActive: 10,
      rpm: 'auto',
      tpm: 'auto',
      limiterKey: 'rxllm',
      maxRetries: 2,
      onError: 'continue',
      params: {},
      stream: false,
      badLines: 'skip',
      retryFailed: false,
      quiet: false,
      progress: 'auto',
      progressIntervalMs: 2000,
      graceMs: 5000,
    });
  });

  it('reads every flag', () => {
    const options = parseRunArgs([
      '-',
      '--output=r.jsonl',
      '-m',
      'anthropic/claude-haiku-4-5',
      '--max-active',
      '16',
      '--rpm',
      '500',
      '--tpm',
      '200000',
      '--max-retries',
      '0',
      '--on-error',
      'stop',
      '--max-cost',
      '1.5',
      '--max-total-tokens',
      '100000',
      '--structured',
      'schema.json',
      '-p',
      'temperature=0',
      '--param',
      'maxTokens=64',
      '--stream',
      '--base-url',
      'http://127.0.0.1:8080/v1',
      '--bad-lines',
      'fail',
      '--retry-failed',
      '--progress',
      'lines',
      '--progress-interval',
      '0.5',
      '--grace',
      '0',
      '--timeout',
      '30',
    ]) as RunOptions;
    expect(options).toMatchObject({
      input: '-',
      output: 'r.jsonl',
      model: 'anthropic/claude-haiku-4-5',
      maxActive: 16,
      rpm: 500,
      tpm: 200000,
      maxRetries: 0,
      onError: 'stop',
      maxCost: 1.5,
      maxTotalTokens: 100000,
      structured: 'schema.json',
      params: { temperature: 0, maxTokens: 64 },
      stream: true,
      baseURL: 'http://127.0.0.1:8080/v1',
      badLines: 'fail',
      retryFailed: true,
      progress: 'lines',
      progressIntervalMs: 500,
      graceMs: 0,
      timeoutMs: 30000,
    });
  });

  it('turns --quiet into no progress', () => {
    expect(parseRunArgs([...base, '-q'])).toMatchObject({ quiet: true, progress: 'none' });
  });

  it('returns help for --help, whatever else is there', () => {
    expect(parseRunArgs(['--help'])).toBe('help');
    expect(parseRunArgs([...base, '-h'])).toBe('help');
  });

  it('names an unknown flag and suggests the closest one', () => {
    expect(usageMessage([...base, '--max-activ', '3'])).toBe('unknown flag --max-activ (did you mean --max-active?)');
    expect(usageMessage([...base, '--frobnicate'])).toBe('unknown flag --frobnicate');
  });

  it('names the flag of a bad value, with the value given', () => {
    expect(usageMessage([...base, '--max-active', '0'])).toBe('--max-active expected a whole number >= 1 (got "0")');
    expect(usageMessage([...base, '--max-active', 'many'])).toBe('--max-active expected a whole number >= 1 (got "many")');
    expect(usageMessage([...base, '--rpm', '-5'])).toContain('--rpm');
    expect(usageMessage([...base, '--rpm', 'fast'])).toBe('--rpm expected a positive number or auto (got "fast")');
    expect(usageMessage([...base, '--tpm', 'Auto'])).toBe('--tpm expected a positive number or auto (got "Auto")');
    expect(usageMessage([...base, '--on-error', 'ignore'])).toBe('--on-error expected continue, return or stop (got "ignore")');
    expect(usageMessage([...base, '--bad-lines', 'maybe'])).toBe('--bad-lines expected skip or fail (got "maybe")');
    expect(usageMessage([...base, '--base-url', 'ftp://x'])).toContain('--base-url expected an http(s) URL');
    expect(usageMessage([...base, '--max-cost', 'free'])).toBe('--max-cost expected a positive number (got "free")');
  });

  it('reports every bad flag at once', () => {
    const message = usageMessage([...base, '--max-active', '0', '--max-retries', 'x']);
    expect(message.split('\n')).toHaveLength(2);
  });

  it('requires the prompts file, -o and --model', () => {
    expect(usageMessage(['-o', 'x', '--model', 'openai/m'])).toContain('missing the prompts file');
    expect(usageMessage(['p.jsonl', '--model', 'openai/m'])).toContain('--output is required');
    expect(usageMessage(['p.jsonl', '-o', 'x'])).toContain('--model is required');
    expect(usageMessage(['p.jsonl', '-o', 'x', '--model', 'gpt-4o'])).toContain('expected provider/model');
    expect(usageMessage(['p.jsonl', '-o', '-', '--model', 'openai/m'])).toContain('--output must be a file, not stdout');
  });

  it('refuses a flag without its value and extra arguments', () => {
    expect(usageMessage(['p.jsonl', '--model', 'openai/m', '-o'])).toContain('needs a value');
    expect(usageMessage([...base, 'more.jsonl'])).toContain('expected one prompts file, got 2');
    expect(usageMessage([...base, '--stream=yes'])).toContain('--stream does not take a value');
  });
});

describe('parseParamFlags', () => {
  it('reads JSON values, falls back to strings, and accepts snake_case keys', () => {
    expect(parseParamFlags(['temperature=0.2', 'stop=END', 'max_tokens=50', 'seed=7'])).toEqual({
      temperature: 0.2,
      stop: 'END',
      maxTokens: 50,
      seed: 7,
    });
    expect(parseParamFlags(['stop=["a","b"]'])).toEqual({ stop: ['a', 'b'] });
  });

  it('puts extra.<name> into the raw escape hatch', () => {
    expect(parseParamFlags(['extra.top_k=5', 'extra.logprobs=true'])).toEqual({ extra: { top_k: 5, logprobs: true } });
  });

  it('refuses unknown parameters, bad values and missing "="', () => {
    expect(() => parseParamFlags(['temprature=0'])).toThrow(/unknown parameter temprature/);
    expect(() => parseParamFlags(['temperature=9'])).toThrow(/--param temperature: Too big/);
    expect(() => parseParamFlags(['temperature'])).toThrow(/expected key=value/);
  });
});

describe('suggestFlag', () => {
  it('finds near misses and prefixes, not far-off words', () => {
    expect(suggestFlag('max-activ', ['max-active', 'max-retries'])).toBe('max-active');
    expect(suggestFlag('outpt', ['output', 'model'])).toBe('output');
    expect(suggestFlag('retry', ['retry-failed', 'rpm'])).toBe('retry-failed');
    expect(suggestFlag('zzz', ['output', 'model'])).toBeUndefined();
  });
});
