/** What `handleSignals` does on each signal. */
export interface SignalHandlers {
  /** The first SIGINT or SIGTERM. */
  first: (signal: 'SIGINT' | 'SIGTERM') => void;
  /** Any later one. */
  again: () => void;
}

/**
 * Installs SIGINT and SIGTERM handlers on `signals`: the first signal calls `first`, any later one `again`.
 *
 * @param signals - Where to install them (`process`, or a test's emitter).
 * @param handlers - See `SignalHandlers`.
 * @returns The function that removes them.
 */
export function handleSignals(signals: Pick<NodeJS.Process, 'on' | 'off'>, handlers: SignalHandlers): () => void {
  let received = false;
  const on = (signal: 'SIGINT' | 'SIGTERM') => () => {
    if (received) {
      handlers.again();
      return;
    }
    received = true;
    handlers.first(signal);
  };
  const onSigint = on('SIGINT');
  const onSigterm = on('SIGTERM');
  signals.on('SIGINT', onSigint);
  signals.on('SIGTERM', onSigterm);
  return () => {
    signals.off('SIGINT', onSigint);
    signals.off('SIGTERM', onSigterm);
  };
}
