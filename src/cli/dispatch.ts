import type { ArgsDef, CommandDef } from "citty";
import { UsageError } from "../errors.ts";

type AnyCommand = CommandDef<ArgsDef>;
type Lazy<T> = T | (() => T | Promise<T>) | Promise<T>;

async function resolve<T>(value: Lazy<T> | undefined): Promise<T | undefined> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

export interface ResolvedCommand {
  cmd: AnyCommand;
  parent?: AnyCommand;
  /** Words of the command path, e.g. ['orchestration', 'list']. */
  path: string[];
  /** Arguments left for the leaf command. */
  rest: string[];
}

function valueFlags(args: ArgsDef): Set<string> {
  const names = new Set<string>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type !== "string" && def.type !== "enum") continue;
    names.add(name);
    for (const a of [def.alias ?? []].flat()) names.add(a);
  }
  return names;
}

/** Walks the sub-command tree along the raw arguments, loading only the commands on the path. */
export async function resolveCommand(root: AnyCommand, rawArgs: string[]): Promise<ResolvedCommand> {
  let cmd = root;
  let parent: AnyCommand | undefined;
  let rest = rawArgs;
  const path: string[] = [];
  for (;;) {
    const subCommands = await resolve(cmd.subCommands as Lazy<Record<string, Lazy<AnyCommand>>> | undefined);
    if (!subCommands || Object.keys(subCommands).length === 0) return { cmd, parent, path, rest };
    const takesValue = valueFlags((await resolve(cmd.args as Lazy<ArgsDef>)) ?? {});
    let index = -1;
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i]!;
      if (arg === "--") break;
      if (arg.startsWith("-")) {
        if (!arg.includes("=") && takesValue.has(arg.replace(/^-+/, ""))) i++;
        continue;
      }
      index = i;
      break;
    }
    const name = index >= 0 ? rest[index]! : undefined;
    if (name === undefined) return { cmd, parent, path, rest };
    const sub = subCommands[name];
    if (!sub) {
      throw new UsageError(`unknown command "${[...path, name].join(" ")}"`, `see \`maos ${path.join(" ")}${path.length ? " " : ""}--help\``);
    }
    parent = cmd;
    cmd = (await resolve(sub))!;
    path.push(name);
    rest = rest.slice(index + 1);
  }
}
