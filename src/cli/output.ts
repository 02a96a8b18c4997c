/**
 * The one place results reach stdout: JSON for machines, text for people.
 * Commands return data and a human renderer; they never write to stdout themselves.
 *
 * Writes go through Bun.write, whose promise settles once the bytes are in the pipe:
 * the process must not exit before that, or a large --json document read by a slow
 * consumer would be cut at the pipe buffer.
 */
import { terminalSafe } from "../ui/terminal-text.ts";

let pending: Promise<unknown> = Promise.resolve();

export function writeOut(text: string): void {
  pending = pending.then(() => Bun.write(Bun.stdout, text)).catch(() => undefined);
}

/** Resolves when everything written so far has reached stdout. */
export function flushOutput(): Promise<unknown> {
  return pending;
}

export function emit<T>(args: { json?: boolean }, data: T, human: (data: T) => string): void {
  if (args.json) {
    writeOut(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  // People get the data with every string made terminal-safe; --json above keeps it exact.
  const text = human(terminalSafe(data));
  if (text) writeOut(text.endsWith("\n") ? text : `${text}\n`);
}
