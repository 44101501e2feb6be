import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import { type ExampleRuntime, prepareRuntime, ROOT } from './support/run-example.js';

// examples/web-dashboard/ end to end: the server runs as a user runs it (`npx tsx examples/web-dashboard/server.ts`,
// importing rxllm from dist/ or a fresh bundle of src/), against a mock server started here so that its counters can
// be read, and Debian's chromium drives the page through playwright-core. Without a browser the suite is skipped,
// except in CI (`CI` set), where that is a failure. Time bounds are ceilings that catch hangs.

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const hasBrowser = existsSync(executablePath);
const ARTIFACTS = join(ROOT, 'spec/artifacts');

it('finds Chromium wherever CI is set (apt-get install chromium, or set CHROMIUM_PATH)', () => {
  if (process.env.CI && !hasBrowser) expect.fail(`no browser at ${executablePath}: .ci/run installs Debian's chromium`);
});

describe.skipIf(!hasBrowser)('examples/web-dashboard', () => {
  let runtime: ExampleRuntime;
  let mock: MockServer;
  let dashboard: ChildProcess;
  let url: string;
  let browser: Browser;
  const started = Date.now();
  const pageErrors: string[] = []; // uncaught errors in any page, checked after each test

  beforeAll(async () => {
    runtime = await prepareRuntime();
    // 20 tokens per answer at 8 tokens/s: each card takes 2.5 s to fill, 12 cards 4 at a time: a run lasts ~8 s, long
    // enough for a second tab to join it even on a loaded machine.
    mock = await startMockServer({ tokensPerSecond: 8, answerTokens: 20, latencyMs: 100 });
    ({ child: dashboard, url } = await startDashboard(mock));
    browser = await chromium.launch({ executablePath });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dashboard !== undefined) await stopDashboard(dashboard);
    await mock?.close();
    await runtime?.remove();
    console.info(`web-dashboard browser test: ${Date.now() - started} ms in all`);
  }, 30_000);

  const contexts: BrowserContext[] = []; // closed after each test, passed or not
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    expect(pageErrors.splice(0)).toEqual([]);
  });

  /** Runs the dashboard as a user does, against `target`; resolves once it prints its URL. */
  async function startDashboard(target: MockServer): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', ...runtime.nodeArgs, 'examples/web-dashboard/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', BASE_URL: target.openaiBaseURL, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const address = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (text: string) => {
        out += text;
        const found = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/m.exec(out)?.[1];
        if (found !== undefined) resolve(found);
      });
      child.once('exit', (code) => reject(new Error(`the dashboard exited (${code}) before listening:\n${out}`)));
    });
    return { child, url: address };
  }
  async function stopDashboard(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM'); // the server closes its connections and exits
    await exited;
  }

  /** A page in a context of its own: a context holds at most 6 connections per host. */
  async function openPage(address: string | undefined = url): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    if (address !== undefined) await page.goto(address);
    return page;
  }
  // In-page conditions are strings: this file is type-checked without the DOM library. Polled every 50 ms.
  const waitFor = (page: Page, condition: string) => page.waitForFunction(condition, undefined, { polling: 50, timeout: 30_000 });
  const statusIs = (page: Page, state: string) =>
    waitFor(page, `document.getElementById('status').dataset.state === ${JSON.stringify(state)}`);
  const someCardIs = (page: Page, state: string) =>
    waitFor(page, `document.querySelector('.card[data-state=${JSON.stringify(state)}]') !== null`);
  async function cardsOf(page: Page): Promise<Array<{ prompt: string; state: string; text: string }>> {
    const cards = await page.locator('.card').all();
    return Promise.all(cards.map(async (card) => ({
      prompt: (await card.getAttribute('data-prompt')) ?? '',
      state: (await card.getAttribute('data-state')) ?? '',
      text: (await card.locator('.text').textContent()) ?? '',
    })));
  }
  async function noneInFlightWithin(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (mock.stats().inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(mock.stats().inFlight).toBe(0);
  }
  /** The mock's answer to `prompt`, asked directly (its answers depend only on the prompt and the seed). */
  async function answerOf(prompt: string): Promise<string> {
    const response = await fetch(`${mock.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], max_tokens: 48 }),
    });
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    return body.choices[0]!.message.content;
  }

  it('fills every card with its answer, shows one run in two tabs, and reaches 100 %', async () => {
    mock.resetStats();
    const second = await openPage(undefined); // ready before the run starts, so that it joins while the run is going
    const first = await openPage();
    await someCardIs(first, 'streaming'); // mid-run
    await second.goto(url); // joins the same run, replayed from its start
    await statusIs(first, 'finished');
    await statusIs(second, 'finished');
    const stats = mock.stats();
    const requests = stats.requests; // read before asking the mock for the expected answers below

    const cards = await cardsOf(first);
    expect(cards).toHaveLength(12);
    for (const card of cards) {
      expect(card.state, card.prompt).toBe('done');
      expect(card.text, card.prompt).toBe(await answerOf(card.prompt));
    }
    expect(await cardsOf(second)).toEqual(cards);
    expect(requests, JSON.stringify(stats)).toBe(12); // the second tab started nothing
    expect(await first.getAttribute('#bar', 'data-percent')).toBe('100');
    expect(await first.textContent('#stats')).toMatch(/^12\/12 done · 0 failed · 0 in flight · \d+ req\/min · \d+ tokens · \$0\.\d{6}$/);

    await mkdir(ARTIFACTS, { recursive: true });
    await first.screenshot({ path: join(ARTIFACTS, 'web-dashboard.png'), fullPage: true, animations: 'disabled' });
  }, 60_000);

  it('stops a run midway: the page says so, and the mock has nothing in flight within a second', async () => {
    mock.resetStats();
    const page = await openPage(); // the last run ended: this starts a new one
    await someCardIs(page, 'done');
    await someCardIs(page, 'streaming');
    await page.click('#stop');
    await statusIs(page, 'stopped');
    await noneInFlightWithin(1_000);
    const cards = await cardsOf(page);
    expect(cards.filter((card) => card.state === 'cancelled').length).toBeGreaterThan(0);
    expect(mock.stats().aborted).toBeGreaterThan(0); // the requests in flight were cut, not waited for
  }, 60_000);

  it('a tab closed mid-run leaves no request in flight on the mock', async () => {
    mock.resetStats();
    const page = await openPage();
    await someCardIs(page, 'streaming');
    await page.context().close(); // the only watcher leaves: the server unsubscribes, which aborts the run
    await noneInFlightWithin(1_000);
    expect(mock.stats().aborted).toBeGreaterThan(0); // cut off, not left to finish for nobody
  }, 60_000);

  it('marks each failed card with its error, and counts it in the progress line', async () => {
    // A mock of its own that answers a quarter of the requests with a 400 (not retried), at seeded random.
    const faulty = await startMockServer({ tokensPerSecond: 100, answerTokens: 10, faults: { 400: 0.25 }, seed: 2 });
    const other = await startDashboard(faulty);
    try {
      const page = await openPage(other.url);
      await statusIs(page, 'finished');
      const failed = faulty.stats().responses['400'] ?? 0;
      expect(failed).toBeGreaterThan(0);
      const cards = await cardsOf(page);
      expect(cards.filter((card) => card.state === 'failed')).toHaveLength(failed);
      expect(cards.filter((card) => card.state === 'done')).toHaveLength(12 - failed);
      for (const error of await page.locator('.card[data-state="failed"] .error').allTextContents()) {
        expect(error).toMatch(/^BadRequestError: openai answered 400/);
      }
      expect(await page.textContent('#stats')).toMatch(new RegExp(`^12/12 done · ${failed} failed · 0 in flight`));
    } finally {
      await stopDashboard(other.child);
      await faulty.close();
    }
  }, 60_000);
});
