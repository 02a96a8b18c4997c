/**
 * Ctrl-C / SIGTERM handling for a run: the first signal asks for a graceful stop,
 * the second for an immediate one. Returns a function that removes the handlers.
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
  };
}
