/**
 * The one place results reach stdout: JSON for machines, text for people.
 * Commands return data and a human renderer; they never write to stdout themselves.
 *
 * Writes go through Bun.write, whose promise settles once the bytes are in the pipe:
 * the process must not exit before that, or a large --json document read by a slow
 * consumer would be cut at the pipe buffer.
 */
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
  const text = human(data);
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
