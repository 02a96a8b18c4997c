import { appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ConsolaInstance, LogObject } from "consola";

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

function fileReporter(path: string) {
  return {
    log(entry: LogObject) {
      const text = entry.args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(" ");
      try {
        appendFileSync(path, `${entry.date.toISOString()} ${entry.type} [${process.pid}] ${text}\n`, { mode: 0o600 });
      } catch {
        // The log file is a convenience; never fail a command because it cannot be written.
      }
    },
  };
}

function logger(): ConsolaInstance {
  if (instance) return instance;
  // require(), not import: Bun's bundler makes it a chunk that loads here, on first use.
  const { createConsola } = require("consola") as typeof import("consola");
  instance = createConsola({
    stdout: process.stderr,
    stderr: process.stderr,
    level: settings.verbose || process.env.MAOS_DEBUG === "1" ? 4 : 3,
    formatOptions: { colors: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR },
  });
  if (settings.file) instance.addReporter(fileReporter(settings.file));
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
  settings = { file: join(dirname(dbPath), "maos.log"), verbose };
  instance = null;
}
