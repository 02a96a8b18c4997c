import pkg from "../../package.json" with { type: "json" };
import { describeError, MaosError, UsageError } from "../errors.ts";
import { safeText } from "../ui/terminal-text.ts";
import { colorEnabled } from "../ui/color.ts";
import { writeOut } from "./output.ts";
import { defineCommand, runCommand } from "./command.ts";
import { resolveCommand } from "./dispatch.ts";

export { flushOutput } from "./output.ts";

const load = <T>(p: Promise<{ default: T }>) => p.then((m) => m.default);

export const main = defineCommand({
  meta: { name: "maos", version: pkg.version, description: "Durable multi-agent orchestrator for Claude Code" },
  subCommands: {
    orchestrate: () => load(import("./commands/orchestrate.ts")),
    orchestration: () => load(import("./commands/orchestration/index.ts")),
    recover: () => load(import("./commands/recover/index.ts")),
    status: () => load(import("./commands/status.ts")),
    agents: () => load(import("./commands/agents.ts")),
    doctor: () => load(import("./commands/doctor.ts")),
    logs: () => load(import("./commands/logs.ts")),
    serve: () => load(import("./commands/serve.ts")),
    plan: () => load(import("./commands/plan.ts")),
    completion: () => load(import("./commands/completion.ts")),
    demo: () => load(import("./commands/demo/index.ts")),
  },
});

function wantsStack(rawArgs: string[]): boolean {
  return rawArgs.includes("--verbose") || process.env.MAOS_DEBUG === "1";
}

/** Runs the CLI and returns the exit code. The one catch that turns errors into one line + exit code. */
export async function run(rawArgs: string[]): Promise<number> {
  try {
    if (rawArgs.length === 1 && (rawArgs[0] === "--version" || rawArgs[0] === "-v")) {
      writeOut(`${pkg.version}\n`);
      return 0;
    }
    const resolved = await resolveCommand(main, rawArgs);
    if (rawArgs.includes("--help") || rawArgs.includes("-h") || (resolved.cmd.subCommands && !resolved.cmd.run && resolved.rest.every((a) => a.startsWith("-")))) {
      // citty (and the node:util it imports) is loaded only here: a command's own start skips it.
      const { renderUsage } = await import("citty");
      const usage = await renderUsage(resolved.cmd, resolved.parent);
      const asked = rawArgs.includes("--help") || rawArgs.includes("-h") || rawArgs.length === 0;
      const stream = asked ? process.stdout : process.stderr;
      stream.write(`${colorEnabled(stream) ? usage : usage.replace(/\x1b\[[0-9;]*m/g, "")}\n`);
      return asked ? 0 : 2;
    }
    await runCommand(resolved.cmd, { rawArgs: resolved.rest, name: ["maos", ...resolved.path].join(" ") });
    return 0;
  } catch (error) {
    const mapped =
      error instanceof MaosError
        ? error
        : error instanceof Error && error.name === "CLIError"
          ? new UsageError(error.message.replace(/\x1b\[[0-9;]*m/g, ""), "see --help")
          : error;
    const { line, exitCode } = describeError(mapped);
    if (wantsStack(rawArgs) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.stderr.write(`maos: ${safeText(line)}\n`);
    // Loaded lazily (consola stays off the start-up path); a command that opened the database has it already.
    const { recordFinalError } = await import("./log.ts");
    recordFinalError(line, error instanceof Error && !(error instanceof MaosError) ? error.stack : undefined);
    return exitCode;
  }
}
