/** Exit code of a run stopped by Ctrl-C or SIGTERM (the shell's 128 + SIGINT). */
const interruptedExitCode = 130;

/**
 * Ctrl-C / SIGTERM handling for a run: the first signal asks for a graceful stop,
 * the second for an immediate one. Returns a function that removes the handlers.
 *
 * Once a signal came, removing the handlers does not give the process back to the default
 * action: the run is already on its way out (writing its last rows, printing how to
 * resume), and a further Ctrl-C then must not kill it half way. It only arms a watchdog
 * that exits with 130 should that last stretch ever hang.
 */
export function onInterrupt(handlers: { graceful: () => void; immediate: () => void }): () => void {
  let count = 0;
  const handle = () => {
    count += 1;
    if (count === 1) handlers.graceful();
    else handlers.immediate();
  };
  process.on("SIGINT", handle);
  process.on("SIGTERM", handle);
  return () => {
    process.off("SIGINT", handle);
    process.off("SIGTERM", handle);
    if (count > 0) {
      process.on("SIGINT", armWatchdog);
      process.on("SIGTERM", armWatchdog);
    }
  };
}

/** Leaves with 130 in 10 s unless the process ends on its own first (the timer does not hold it open). */
export function armWatchdog(): void {
  setTimeout(() => process.exit(interruptedExitCode), 10_000).unref();
}
