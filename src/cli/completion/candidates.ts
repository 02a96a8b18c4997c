import type { ArgsDef, CommandDef } from "citty";

type AnyCommand = CommandDef<ArgsDef>;
type Lazy<T> = T | (() => T | Promise<T>) | Promise<T>;

async function resolve<T>(value: Lazy<T> | undefined): Promise<T | undefined> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

/** What completion reads from the database (best effort: empty when there is none). */
export interface CompletionData {
  /** Orchestration ids (short form), newest first. */
  ids(db: string | undefined): string[];
  /** Task keys of one orchestration (as typed: an id or prefix). */
  tasks(db: string | undefined, id: string): string[];
}

/** Values some flags take, offered after the flag. */
const flagValues: Record<string, string[]> = {
  status: ["running", "paused", "completed", "failed", "cancelled"],
  durability: ["full", "normal"],
  "permission-mode": ["acceptEdits", "auto", "bypassPermissions", "default", "dontAsk", "plan"],
};

/** Positional arguments whose values completion knows. */
const positionalValues: Record<string, (data: CompletionData, db: string | undefined, given: string[]) => string[]> = {
  id: (data, db) => data.ids(db),
  task: (data, db, given) => (given[0] ? data.tasks(db, given[0]).map((k) => `@${k}`) : []),
  shell: () => ["bash", "zsh", "fish"],
};

/**
 * The candidates for the last word of a command line (`words` = what follows `maos`, the
 * word being completed last, possibly empty): sub-commands, the leaf command's flags,
 * orchestration ids and task keys from the database, and a few flag values.
 */
export async function completionCandidates(root: AnyCommand, words: readonly string[], data: CompletionData): Promise<string[]> {
  const current = words.at(-1) ?? "";
  let cmd = root;
  let db: string | undefined;
  const positionals: string[] = [];
  let previousFlag: string | null = null;
  for (const word of words.slice(0, -1)) {
    const args = ((await resolve(cmd.args as Lazy<ArgsDef>)) ?? {}) as ArgsDef;
    if (previousFlag !== null) {
      if (previousFlag === "db") db = word;
      previousFlag = null;
      continue;
    }
    if (word.startsWith("-")) {
      const [name, value] = word.replace(/^-+/, "").split("=", 2) as [string, string | undefined];
      const def = args[name];
      if (name === "db" && value !== undefined) db = value;
      if (value === undefined && def && def.type !== "boolean" && def.type !== "positional") previousFlag = name;
      continue;
    }
    const subs = await resolve(cmd.subCommands as Lazy<Record<string, Lazy<AnyCommand>>> | undefined);
    const sub = subs?.[word];
    if (sub && positionals.length === 0) cmd = (await resolve(sub))!;
    else positionals.push(word);
  }
  const matching = (list: readonly string[]) => list.filter((c) => c.startsWith(current));
  const args = ((await resolve(cmd.args as Lazy<ArgsDef>)) ?? {}) as ArgsDef;
  if (previousFlag !== null) return matching(flagValues[previousFlag] ?? []);
  if (current.startsWith("-")) {
    return matching(Object.entries(args).filter(([, d]) => d.type !== "positional").map(([name]) => `--${name}`).concat("--help"));
  }
  const subs = await resolve(cmd.subCommands as Lazy<Record<string, Lazy<AnyCommand>>> | undefined);
  if (subs && positionals.length === 0) return matching(Object.keys(subs));
  const slots = Object.entries(args).filter(([, d]) => d.type === "positional").map(([name]) => name);
  const slot = slots[positionals.length];
  const values = slot ? positionalValues[slot] : undefined;
  return values ? matching(values(data, db, positionals)) : [];
}
