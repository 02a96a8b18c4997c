import { appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createConsola, type ConsolaInstance, type ConsolaReporter, type LogObject } from "consola";
import { safeText } from "../ui/terminal-text.ts";

/**
 * Logs go to stderr (stdout is reserved for results and --json) and are appended to
 * maos.log beside the database.
 */
export let log: ConsolaInstance = terminalSafe(createConsola({ stdout: process.stderr, stderr: process.stderr, level: 3 }));

/**
 * Log lines carry agent output, file names from a repository and error text: every string
 * argument is made terminal-safe before any reporter (stderr or maos.log, which people `tail`) sees it.
 */
function terminalSafe(instance: ConsolaInstance): ConsolaInstance {
  const reporters: ConsolaReporter[] = instance.options.reporters.map((reporter) => ({
    log: (entry, context) => reporter.log({ ...entry, args: entry.args.map((a) => (typeof a === "string" ? safeText(a) : a)) }, context),
  }));
  instance.setReporters(reporters);
  return instance;
}

let logFile: string | null = null;

function appendLine(path: string, date: Date, type: string, text: string): void {
  try {
    appendFileSync(path, `${date.toISOString()} ${type} [${process.pid}] ${text}\n`, { mode: 0o600 });
  } catch {
    // The log file is a convenience; never fail a command because it cannot be written.
  }
}

function fileReporter(path: string) {
  return {
    log(entry: LogObject) {
      const text = entry.args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(" ");
      appendLine(path, entry.date, entry.type, text);
    },
  };
}

/**
 * The one line a command ends with on an error goes to maos.log too (it is printed on stderr by
 * the CLI's single catch, not through the logger), with the stack when there is one, so the log
 * beside the database tells the whole story of a failed run.
 */
export function recordFinalError(line: string, stack?: string): void {
  if (!logFile) return;
  appendLine(logFile, new Date(), "fatal", safeText(stack ? `${line}\n${stack}` : line));
}

export function configureLog(dbPath: string, verbose: boolean): void {
  log = createConsola({
    stdout: process.stderr,
    stderr: process.stderr,
    level: verbose || process.env.MAOS_DEBUG === "1" ? 4 : 3,
    formatOptions: { colors: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR },
  });
  logFile = join(dirname(dbPath), "maos.log");
  log.addReporter(fileReporter(logFile));
  log = terminalSafe(log);
}
