import { appendFileSync } from "node:fs";
import { createConsola, type ConsolaInstance, type ConsolaReporter, type LogObject } from "consola";
import { safeText } from "../ui/terminal-text.ts";

/** The consola instance behind `log` (src/cli/log.ts), loaded only when something is logged. */
export function createLogger(settings: { file: string | null; verbose: boolean }): ConsolaInstance {
  const logger = createConsola({
    stdout: process.stderr,
    stderr: process.stderr,
    level: settings.verbose || process.env.MAOS_DEBUG === "1" ? 4 : 3,
    formatOptions: { colors: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR },
  });
  if (settings.file) logger.addReporter(fileReporter(settings.file));
  return terminalSafe(logger);
}

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
