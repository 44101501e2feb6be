// Every child process the benchmark starts is registered here and killed when the benchmark ends,
// whether it ends normally, throws, or is interrupted.
const live = new Set();

/** Registers a child so that `killAll` (and process exit) ends it. */
export function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function stopChild(child, graceMs = 2_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Stops every tracked child. */
export async function stopAll() {
  await Promise.all([...live].map((child) => stopChild(child, 1_000)));
}

function killAllNow() {
  for (const child of live) child.kill('SIGKILL');
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping child processes\n`);
    killAllNow();
    process.exit(130);
  });
}
