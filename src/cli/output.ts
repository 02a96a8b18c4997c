/**
 * The one place results reach stdout: JSON for machines, text for people.
 * Commands return data and a human renderer; they never write to stdout themselves.
 */
export function emit<T>(args: { json?: boolean }, data: T, human: (data: T) => string): void {
  if (args.json) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const text = human(data);
  if (text) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
