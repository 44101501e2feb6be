import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, type ExpectStatic, it } from 'vitest';
import { markdownCodeBlocks } from './support/markdown-code-blocks.js';
import { createPool, type ExampleRuntime, prepareRuntime, ROOT, runScript, type ScriptRun } from './support/run-example.js';

// Every script of examples/ and every complete script of README.md runs as a child process, as a user would run it,
// with no API key in its environment: each starts rxllm's mock server itself. The scripts import 'rxllm', which is
// dist/ when it is up to date (CI builds first), else a fresh bundle of src/ (see prepareRuntime).

/** What a script must print. `check` gets stdout and adds assertions of its own (with the test's `expect`). */
interface Expectation {
  env?: Record<string, string>;
  lines: RegExp[];
  check?: (stdout: string, expect: ExpectStatic) => void;
}

const EXAMPLES: Record<string, Expectation> = {
  'chat.ts': {
    lines: [
      /^text: Re: What is the capital of Peru\? One word\./m,
      /^finishReason: stop$/m,
      /^usage: \{"inputTokens":\d+,"outputTokens":\d+,"cachedInputTokens":\d+,"reasoningTokens":\d+\}$/m,
      /^model: gpt-4o-mini$/m,
      /^conversation: Re: What is the capital of Chile\?/m,
    ],
  },
  'stream.ts': {
    lines: [
      /^Re: Count from one to five in words\./m,
      /^finishReason: stop, usage: \{"inputTokens":\d+,"outputTokens":\d+,"cachedInputTokens":\d+,"reasoningTokens":\d+\}$/m,
      /^chunks: \d+$/m,
    ],
  },
  'chat-each.ts': {
    lines: [/^done: \d+ ok, \d+ failed$/m],
    check: (out, expect) => {
      const indexes = [...out.matchAll(/^#(\d) \(\w+, \d attempt\(s\)\) /gm)].map((match) => Number(match[1]));
      expect(indexes.toSorted()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // one result per prompt
      const [, ok, failed] = /^done: (\d+) ok, (\d+) failed$/m.exec(out) ?? [];
      expect(Number(ok) + Number(failed)).toBe(8);
    },
  },
  'stream-each.ts': {
    lines: [
      /^\[0\] "Re:"$/m,
      /^all streams ended$/m,
      /^text of #0: Re: Write a haiku about rain\./m,
      /^text of #1: Re: Write a haiku about snow\./m,
      /^text of #2: Re: Write a haiku about wind\./m,
    ],
  },
  'parallel-chat.ts': {
    lines: [/^succeeded \d+, failed \d+, not sent \d+$/m, /^tokens: \d+ in \+ \d+ out, cost: \$\d+\.\d{6}$/m],
    check: (out, expect) => {
      const indexes = [...out.matchAll(/^(\d+) (?:Re: Name one famous|BadRequestError|not sent)/gm)].map((match) => Number(match[1]));
      expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // input order, one entry per prompt
      const [, succeeded, failed, notSent] = /^succeeded (\d+), failed (\d+), not sent (\d+)$/m.exec(out) ?? [];
      expect(Number(succeeded) + Number(failed) + Number(notSent)).toBe(10);
    },
  },
  'parallel-chat-text.ts': {
    lines: [
      /'Re: Name a prime number\./,
      /'Re: Name a planet\./,
      /'Re: Name a metal\./,
      /^0: Re: What is 1 squared\?/m,
      /^3: Re: What is 4 squared\?/m,
    ],
  },
  'pull-prompts.ts': {
    env: { PROMPTS: '600' }, // 10,000 by default: a few seconds more than this file should take
    lines: [/^600 answered \(0 failed\); at most \d+ prompts in memory at once \(maxActive 64\)$/m],
    check: (out, expect) => {
      const [, most] = /at most (\d+) prompts in memory/.exec(out) ?? [];
      expect(Number(most)).toBeGreaterThan(0);
      expect(Number(most)).toBeLessThanOrEqual(64 + 2); // maxActive + readAhead, out of 600
    },
  },
  'shared-rate-limiter.ts': {
    lines: [/^\s*\d+ ms ok: Summarise A\.$/m, /^\s*\d+ ms ok: Translate E\.$/m, /^\s*\d+ ms other job 2$/m, /^429s from the server: 0$/m],
    check: (out, expect) => {
      const [, ms] = /^12 turns in (\d+) ms/m.exec(out) ?? [];
      expect(Number(ms)).toBeGreaterThanOrEqual(11 * 125 - 5); // 12 turns of one shared 480-rpm budget
    },
  },
  'structured.ts': {
    lines: [/^0 .+: population [\d.]+, coastal: (true|false)$/m, /^2 .+: population [\d.]+, coastal: (true|false)$/m, /^tags: \[/m],
  },
  'budget.ts': {
    lines: [/^10 requests, ~\d+ input tokens, at most 4000 output tokens$/m, /^worst case \$0\.\d{6}, expected \$0\.\d{6}$/m, /not sent/],
    check: (out, expect) => {
      const [, sent, notSent, spent, max] = /^sent (\d+), not sent (\d+); spent \$([\d.]+) of \$([\d.]+)$/m.exec(out) ?? [];
      expect(Number(sent) + Number(notSent)).toBe(10);
      expect(Number(sent)).toBeGreaterThan(0);
      expect(Number(notSent)).toBeGreaterThan(0);
      expect(Number(spent)).toBeLessThanOrEqual(Number(max));
    },
  },
  'anthropic.ts': {
    lines: [
      /^model id: anthropic\/claude-haiku-4-5$/m,
      /^chat: Re: What is the capital of Peru\? .*end_turn$/m,
      /^stream: \d+ chunks: Re: Count to three\./m,
      /'Re: Name a river\./,
      /'Re: Name a lake\./,
    ],
  },
  'chat-model.ts': {
    lines: [
      /^known prefixes: openai, anthropic, ollama/m,
      /^openai\/gpt-4o-mini \(provider openai, model gpt-4o-mini\): Re: Say hello\./m,
      /^anthropic\/claude-haiku-4-5 \(provider anthropic, model claude-haiku-4-5\): Re: Say hello\./m,
      /^ollama\/llama3\.2 \(provider ollama, model llama3\.2\): Re: Say hello\./m,
      /^InvalidOptionsError: chatModel\(\) id: "gpt-4o-mini" has no provider prefix/m,
    ],
  },
  'progress.ts': {
    lines: [/^\d+\/30 done \(\d+ failed, \d+ in flight, \d+ retries\), \d+ tokens, \d+ req\/min, ETA /m],
    check: (out, expect) => {
      const [, ok, failed] = /^finished: (\d+) ok, (\d+) failed, \d+ retries in \d+ ms$/m.exec(out) ?? [];
      expect(Number(ok) + Number(failed)).toBe(30);
    },
  },
  'cancel.ts': {
    lines: [
      /^takeUntil\(timer\(500\)\): \d+ answered, the rest cancelled$/m,
      /^server: \d+ requests, \d+ answered, [1-9]\d* abandoned by the client, 0 in flight$/m,
    ],
    check: (out, expect) => {
      const [, answered, cancelled] = /^AbortSignal after 500 ms: (\d+) answered, (\d+) cancelled$/m.exec(out) ?? [];
      expect(Number(answered) + Number(cancelled)).toBe(12);
      expect(Number(cancelled)).toBeGreaterThan(0);
    },
  },
  'errors.ts': {
    lines: [
      /^AuthenticationError: openai answered 401/m,
      /^AuthenticationError: true, fatal: true, key shown: false$/m,
      /^partial results: \[ 'AuthenticationError', null, null \]$/m,
    ],
    check: (out, expect) => {
      const indexes = [...out.matchAll(/^#(\d): .+ after \d attempt\(s\)$/gm)].map((match) => Number(match[1]));
      expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(out).toMatch(/after [2-4] attempt\(s\)/); // the injected faults were retried
      expect(out).not.toContain('sk-this-key-is-wrong');
    },
  },
  'batch-chat.ts': {
    lines: [/^progress: 5\/5 collected, 3 batches$/m, /^0: Re: Capital of Peru\?/m, /^4: Re: Capital of Uruguay\?/m],
  },
  'mock-server.ts': {
    lines: [
      /^listening on http:\/\/127\.0\.0\.1:\d+ /m,
      /^answered 40 of 40$/m,
      /^delivered 40 answers for 40 prompts, duplicates: 0$/m,
      /^deliveries of "Item 0: classify this\.": 1$/m,
    ],
  },
  'terminal-streams.ts': {
    lines: [/^8\/8 done, 0 failed, 0 streaming, \d+ tokens out, \d+ req\/min$/m, /^all streams ended$/m],
    check: (out, expect) => {
      // Not a terminal here: the final rows only, one per prompt, each the whole streamed answer to its prompt.
      const rows = [...out.matchAll(/^#(\d) (.) (.*)$/gm)].map(([, index, mark, text]) => ({ index: Number(index), mark, text }));
      expect(rows.map((row) => row.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      const topics = ['rain', 'snow', 'wind', 'fog', 'hail', 'thunder', 'dew', 'frost'];
      rows.forEach((row, i) => {
        expect(row.mark).toBe('✓');
        expect(row.text).toMatch(new RegExp(`^Re: Describe ${topics[i]} in one sentence\\.( \\w+)+\\.$`));
      });
    },
  },
  'combine-streams.ts': {
    lines: [
      /^\[1 s\] \d+ done, \d+ in flight, \d+ tokens out$/m, // the run takes more than a second: latency 0.3-0.8 s, 2 at a time
      /^#4 Re: Name a galaxy\./m, // prompts pushed into the Subject mid-run joined it
      /^#6 Re: Name an asteroid\./m,
      /^total: 7 ok, 0 failed, \d+ tokens, \$0\.\d{6}$/m,
      /^openai\/gpt-4o-mini: 3\/3 answered, \d+ tokens out, \$0\.\d{6}$/m,
      /^openai\/gpt-4\.1-nano: 3\/3 answered, \d+ tokens out, \$0\.\d{6}$/m,
    ],
    check: (out, expect) => {
      const [, tokens] = /^total: 7 ok, 0 failed, (\d+) tokens/m.exec(out) ?? [];
      expect(Number(tokens)).toBeGreaterThan(0); // scan added up the usage of every answer
      const indexes = [...out.matchAll(/^#(\d) Re: /gm)].map((match) => Number(match[1]));
      expect(indexes.toSorted()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    },
  },
};

/** Scripts in examples/ not run here: the CLI demo (300 prompts through `rxllm run`, about ten seconds). */
const NOT_RUN = new Set(['demo.ts']);

const README_DIR = join(ROOT, 'spec/examples/.tmp');
const readmeScripts = markdownCodeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'))
  .filter((block) => block.lang === 'ts' || block.lang === 'js')
  .flatMap((block) => {
    // A block whose first line names a script file (`// quick-start.mjs — …`) is complete and runs as pasted.
    const name = /^\/\/ ([\w.-]+\.(?:mjs|mts))\b/.exec(block.code)?.[1];
    return name === undefined ? [] : [{ ...block, name }];
  });

let runtime: ExampleRuntime;
const pool = createPool(2); // child processes at once: each spends about a second of CPU loading rxjs, undici and zod (CI has 2 cores)

beforeAll(async () => {
  runtime = await prepareRuntime();
  console.info(`examples import rxllm from ${runtime.description}`);
  await mkdir(README_DIR, { recursive: true });
}, 60_000);
afterAll(async () => {
  await runtime?.remove();
  await rm(README_DIR, { recursive: true, force: true });
});

function expectSuccess(expect: ExpectStatic, run: ScriptRun, expectation: Expectation) {
  const report =
    `exit ${run.code ?? run.signal} after ${run.ms} ms (imports from ${runtime.description})\n` +
    `--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
  expect(run.code, report).toBe(0);
  expect(run.stderr, report).toBe('');
  for (const line of expectation.lines) expect(run.stdout, report).toMatch(line);
  expectation.check?.(run.stdout, expect);
}

describe('examples/', () => {
  it('has an expectation here for every script, and every script is listed in examples/README.md', () => {
    const scripts = readdirSync(join(ROOT, 'examples')).filter((file) => file.endsWith('.ts') && !NOT_RUN.has(file));
    expect(scripts.toSorted()).toEqual(Object.keys(EXAMPLES).toSorted());
    const readme = readFileSync(join(ROOT, 'examples/README.md'), 'utf8');
    for (const script of [...scripts, ...NOT_RUN]) expect(readme, script).toContain(`[${script}](${script})`);
    expect(readme).toContain('[web-dashboard/](web-dashboard/)'); // run by web-dashboard.test.ts, in a browser
  });

  it('is listed, every script of it, in the README\'s Examples section with the dashboard screenshot', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /^## Examples\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    const scripts = readdirSync(join(ROOT, 'examples')).filter((file) => file.endsWith('.ts'));
    for (const script of [...scripts, 'web-dashboard/']) expect(section, script).toContain(`(examples/${script})`);
    expect(section).toContain('](examples/web-dashboard/screenshot.png)');
    expect(existsSync(join(ROOT, 'examples/web-dashboard/screenshot.png'))).toBe(true);
  });

  describe.concurrent('runs offline, as pasted', () => {
    for (const [script, expectation] of Object.entries(EXAMPLES)) {
      it(script, async ({ expect }) => {
        const run = await pool(() => runScript(runtime, `examples/${script}`, expectation.env));
        expectSuccess(expect, run, expectation);
      }, 120_000);
    }
  });
});

describe('README.md', () => {
  it('has a complete Quick start script', () => {
    expect(readmeScripts.map((block) => block.heading)).toContain('Quick start');
  });

  describe.concurrent('complete scripts run as pasted', () => {
    for (const block of readmeScripts) {
      it(`${block.name} (line ${block.line}, "${block.heading}")`, async ({ expect }) => {
        const path = join(README_DIR, block.name);
        await writeFile(path, block.code);
        const run = await pool(() => runScript(runtime, path, block.name.endsWith('.mts') ? { NODE_OPTIONS: '--import tsx' } : {}));
        expectSuccess(expect, run, { lines: [/\S/] });
        if (block.heading === 'Quick start') {
          // Both styles answered the three prompts: input order first, then completion order with attempts.
          expect(run.stdout).toMatch(/^0 Re: What is the capital of Peru\? One word\./m);
          expect(run.stdout.match(/ \d attempt\(s\)$/gm)).toHaveLength(3);
        }
      }, 120_000);
    }
  });
});
