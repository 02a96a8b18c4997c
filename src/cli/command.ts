import type { ArgsDef, CommandContext, CommandDef } from "citty";
import { UsageError } from "../errors.ts";
import { parseCommandArgs } from "./argv.ts";

/*
 * citty's defineCommand and runCommand for maos's leaf commands, without loading citty
 * (whose module imports node:util): the command definitions keep citty's types and stay the
 * one source of flags; main.ts loads citty only to render --help.
 */

export function defineCommand<const T extends ArgsDef = ArgsDef>(def: CommandDef<T>): CommandDef<T> {
  return def;
}

type Lazy<T> = T | (() => T | Promise<T>) | Promise<T>;

const resolveValue = async <T>(value: Lazy<T>): Promise<T> => (typeof value === "function" ? await (value as () => T | Promise<T>)() : await value);

/**
 * Parses the raw words against the command's args (refusing a flag it does not declare when
 * given its name, e.g. "maos orchestration list"), then runs setup, run and cleanup as citty does.
 */
export async function runCommand<T extends ArgsDef = ArgsDef>(
  cmd: CommandDef<T>,
  opts: { rawArgs: string[]; name?: string },
): Promise<{ result: unknown }> {
  const argsDef = (await resolveValue(cmd.args ?? {})) as ArgsDef;
  const args = parseCommandArgs(opts.rawArgs, argsDef, opts.name);
  if (!cmd.run) throw new UsageError("No command specified.", "see --help");
  const context = { rawArgs: opts.rawArgs, args, cmd } as unknown as CommandContext<T>;
  let result: unknown;
  let runError: unknown;
  try {
    await cmd.setup?.(context);
    result = await cmd.run(context);
  } catch (error) {
    runError = error ?? new Error("command failed");
  }
  // Cleanup runs whatever happened; the run's own error is the one reported.
  try {
    await cmd.cleanup?.(context);
  } catch (error) {
    runError ??= error;
  }
  if (runError !== undefined) throw runError;
  return { result };
}
