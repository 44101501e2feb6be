// Keeps every runner on 127.0.0.1: `fetch` to any other address and DNS lookups of any other name fail at once
// (and are counted), so no library under test can reach out (telemetry, tokenizer downloads, tracing).
import dns from 'node:dns';

const LOCAL_URL = /^(https?|wss?):\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i;
const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const blocked = [];

/** Installs the guard in this process; returns a function that reports what was blocked. */
export function installNetworkGuard() {
  const realFetch = globalThis.fetch;
  globalThis.fetch = function guardedFetch(input, init) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input?.url;
    if (typeof url === 'string' && LOCAL_URL.test(url)) return realFetch(input, init);
    note(String(url));
    return Promise.reject(new TypeError(`bench network guard: blocked a request to ${String(url).slice(0, 80)}`));
  };
  const realLookup = dns.lookup;
  dns.lookup = function guardedLookup(hostname, ...rest) {
    if (LOCAL_NAMES.has(hostname)) return realLookup.call(this, hostname, ...rest);
    note(`dns:${hostname}`);
    const callback = rest.at(-1);
    const error = Object.assign(new Error(`bench network guard: blocked DNS lookup of ${hostname}`), { code: 'ENOTFOUND' });
    if (typeof callback === 'function') process.nextTick(callback, error);
    return undefined;
  };
  return () => ({ count: blocked.length, first: blocked.slice(0, 3) });
}

function note(target) {
  if (blocked.length < 1_000) blocked.push(target.slice(0, 120));
}
