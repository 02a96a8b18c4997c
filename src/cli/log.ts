import { appendFileSync } from "node:fs";
import { absolutePath, parentDirectory } from "../system/absolute-path.ts";
import type { ConsolaInstance } from "consola";
import { safeText } from "../ui/terminal-text.ts";

/**
 * Logs go to stderr (stdout is reserved for results and --json) and are appended to
 * maos.log beside the database.
 *
 * The logger is created at its first message, not at import: a read command that logs
 * nothing never loads consola nor touches process.stderr (whose stream setup alone costs
 * Bun about 10 ms, as much as the rest of `maos orchestration list`).
 */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

let settings: { file: string | null; verbose: boolean } = { file: null, verbose: false };
let instance: ConsolaInstance | null = null;

function logger(): ConsolaInstance {
  // require() of an ES module is a chunk boundary for Bun's bundler: consola-logger.ts and
  // consola load here, on the first message, and not with the command.
  instance ??= (require("./consola-logger.ts") as typeof import("./consola-logger.ts")).createLogger(settings);
  return instance;
}

export const log: Log = {
  info: (message) => logger().info(message),
  warn: (message) => logger().warn(message),
  error: (message) => logger().error(message),
  debug: (message) => logger().debug(message),
};

/** From now on, also append to maos.log beside the database, and show debug logs if verbose. */
export function configureLog(dbPath: string, verbose: boolean): void {
  const dir = parentDirectory(absolutePath(dbPath));
  settings = { file: `${dir === "/" ? "" : dir}/maos.log`, verbose };
  instance = null;
}

/**
 * The one line a command ends with on an error goes to maos.log too (it is printed on stderr by
 * the CLI's single catch, not through the logger), with the stack when there is one, so the log
 * beside the database tells the whole story of a failed run.
 */
export function recordFinalError(line: string, stack?: string): void {
  if (!settings.file) return;
  try {
    appendFileSync(settings.file, `${new Date().toISOString()} fatal [${process.pid}] ${safeText(stack ? `${line}\n${stack}` : line)}\n`, { mode: 0o600 });
  } catch {
    // The log file is a convenience; never fail a command because it cannot be written.
  }
}
