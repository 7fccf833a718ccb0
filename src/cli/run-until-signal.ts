// Keeps a long-running command alive until SIGINT or SIGTERM, then shuts it down once.
export function runUntilSignal(shutdown: () => Promise<void>, log: (msg: string) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, shutting down`);
    shutdown()
      .then(() => process.exit(0))
      .catch((err) => {
        log(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
