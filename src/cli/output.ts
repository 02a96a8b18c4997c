/**
 * The one place results reach stdout: JSON for machines, text for people.
 * Commands return data and a human renderer; they never write to stdout themselves.
 *
 * Writes go through Bun.write, whose promise settles once the bytes are in the pipe:
 * the process must not exit before that, or a large --json document read by a slow
 * consumer would be cut at the pipe buffer.
 */
import { ExitCode } from "../errors.ts";
import { terminalSafe } from "../ui/terminal-text.ts";

let pending: Promise<unknown> = Promise.resolve();
let writeError: NodeJS.ErrnoException | undefined;

export function writeOut(text: string): void {
  pending = pending
    .then(() => (writeError ? undefined : Bun.write(Bun.stdout, text)))
    .catch((error: NodeJS.ErrnoException) => {
      writeError ??= error;
    });
}

/**
 * Resolves when everything written so far has reached stdout: undefined, or — when stdout
 * refused it (a full disk, a closed pipe) — the exit code to end with, after one line on
 * stderr, so a result that never arrived is never reported as success.
 */
export async function flushOutput(): Promise<number | undefined> {
  await pending;
  if (!writeError) return undefined;
  // A reader that went away (`maos … | head`) is not an error of ours.
  if (writeError.code === "EPIPE") return undefined;
  process.stderr.write(`maos: could not write the output to stdout: ${writeError.message} — check where stdout goes (a full disk?)\n`);
  return ExitCode.environment;
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

/**
 * Writes and waits until the text reached stdout, for long streamed outputs (`maos logs`).
 * False once stdout is gone (`| head` or a pager quit), so the caller stops reading.
 */
export async function writeOutWaiting(text: string): Promise<boolean> {
  await pending;
  try {
    await Bun.write(Bun.stdout, text);
    return true;
  } catch {
    return false;
  }
}
