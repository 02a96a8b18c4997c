import type { ArgsDef } from "citty";
import { UsageError } from "../errors.ts";

/*
 * A command's raw arguments turned into its `args`, as citty's parseArgs does (its rules,
 * node:util's parseArgs with strict: false underneath, reproduced here and checked against
 * citty by test/cli/argv.test.ts). Ours because citty's module imports node:util, which costs
 * every start of `maos orchestration list` about a millisecond; citty's command definitions
 * stay the one source of flags, and citty itself is still loaded to render --help.
 */

export type ParsedArgs = Record<string, unknown> & { _: string[] };

type OptionType = "string" | "boolean";

interface ArgEntry {
  name: string;
  type: string;
  aliases: string[];
  default?: unknown;
  required?: boolean;
  options?: readonly string[];
}

// Most flag names are one lower-case word: they skip the regex replaces, which run interpreted at start-up.
export const camelCase = (name: string) =>
  name.includes("-") || name.includes("_") ? name.replace(/[-_]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()) : name;
export const kebabCase = (name: string) =>
  name === name.toLowerCase() && !name.includes("_") ? name : name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/_/g, "-").toLowerCase();

// Plain loops below, no map/flat/some/spread: this runs once per command, interpreted, at
// start-up, where each of those builtins' callbacks costs more than the work they do.

function entries(argsDef: ArgsDef): ArgEntry[] {
  const out: ArgEntry[] = [];
  for (const name of Object.keys(argsDef)) {
    const d = argsDef[name] as { type?: string; alias?: string | string[]; default?: unknown; required?: boolean; options?: readonly string[] };
    const aliases = d.alias === undefined ? [] : typeof d.alias === "string" ? [d.alias] : d.alias.slice();
    out.push({ name, type: d.type ?? "string", aliases, default: d.default, required: d.required, options: d.options });
  }
  return out;
}

/** Every spelling of each flag: its name, its aliases, and its camelCase and kebab-case forms. */
interface FlagTable {
  /** What the scan treats each spelling as: a word that takes a value, or a switch. */
  types: Map<string, OptionType>;
  /** A spelling that is, or is an alias of, a declared boolean / string flag. */
  isBoolean: (name: string) => boolean;
  isString: (name: string) => boolean;
  /** The single-letter alias of a flag, as `-x`. */
  shortOf: Map<string, string>;
  aliasToMain: Map<string, string>;
  mainToAliases: Map<string, string[]>;
  defaults: Map<string, unknown>;
}

function flagTable(args: ArgEntry[]): FlagTable {
  const booleans = new Set<string>();
  const strings = new Set<string>();
  const aliasMap = new Map<string, string[]>();
  const defaults = new Map<string, unknown>();
  for (const arg of args) {
    if (arg.type === "positional") continue;
    if (arg.type === "string" || arg.type === "enum") strings.add(arg.name);
    else if (arg.type === "boolean") booleans.add(arg.name);
    if (arg.default !== undefined) defaults.set(arg.name, arg.default);
    const aliases = arg.aliases.slice();
    const camel = camelCase(arg.name);
    if (camel !== arg.name && !aliases.includes(camel)) aliases.push(camel);
    const kebab = kebabCase(arg.name);
    if (kebab !== arg.name && !aliases.includes(kebab)) aliases.push(kebab);
    if (aliases.length > 0) aliasMap.set(arg.name, aliases);
  }
  const aliasToMain = new Map<string, string>();
  const mainToAliases = new Map<string, string[]>();
  const link = (from: string, to: string) => {
    aliasToMain.set(from, to);
    const list = mainToAliases.get(to);
    if (list) list.push(from);
    else mainToAliases.set(to, [from]);
  };
  for (const [name, aliases] of aliasMap) {
    for (const alias of aliases) {
      link(name, alias);
      link(alias, name);
    }
  }
  /** The name or one of its aliases is in the set. */
  const related = (set: Set<string>, name: string) => {
    if (set.has(name)) return true;
    for (const alias of mainToAliases.get(name) ?? []) if (set.has(alias)) return true;
    return false;
  };
  const names = new Set<string>(booleans);
  for (const name of strings) names.add(name);
  for (const name of aliasMap.keys()) names.add(name);
  for (const aliases of aliasMap.values()) for (const alias of aliases) names.add(alias);
  for (const name of defaults.keys()) names.add(name);
  const types = new Map<string, OptionType>();
  for (const name of names) types.set(name, related(booleans, name) ? "boolean" : "string");
  const shortOf = new Map<string, string>();
  for (const [alias, main] of aliasToMain) {
    if (alias.length === 1 && types.has(main) && !shortOf.has(main)) shortOf.set(main, alias);
  }
  return {
    types,
    isBoolean: (name) => related(booleans, name),
    isString: (name) => related(strings, name),
    shortOf,
    aliasToMain,
    mainToAliases,
    defaults,
  };
}

/** node:util parseArgs, strict: false, positionals allowed: what citty hands the raw words to. */
function scan(words: string[], table: FlagTable): { values: Map<string, string | boolean>; positionals: string[] } {
  const values = new Map<string, string | boolean>();
  const positionals: string[] = [];
  const longForShort = (short: string) => [...table.shortOf].find(([, s]) => s === short)?.[0] ?? short;
  const takesValue = (long: string) => table.types.get(long) === "string";
  const store = (long: string, value: string | undefined) => {
    if (long !== "__proto__") values.set(long, value ?? true);
  };
  const rest = [...words];
  while (rest.length > 0) {
    const word = rest.shift()!;
    if (word === "--") {
      positionals.push(...rest);
      break;
    }
    const short = word.length >= 2 && word[0] === "-" && word[1] !== "-";
    const long = word.length > 2 && word.startsWith("--");
    if (short && word.length === 2) {
      const name = longForShort(word[1]!);
      store(name, takesValue(name) && rest.length > 0 ? rest.shift() : undefined);
    } else if (short && !takesValue(longForShort(word[1]!))) {
      // A group such as -abc; a letter that takes a value takes the rest of the word.
      const expanded: string[] = [];
      for (let i = 1; i < word.length; i++) {
        const letter = word[i]!;
        if (!takesValue(longForShort(letter)) || i === word.length - 1) expanded.push(`-${letter}`);
        else {
          expanded.push(`-${letter}`, word.slice(i + 1));
          break;
        }
      }
      rest.unshift(...expanded);
    } else if (short) {
      store(longForShort(word[1]!), word.slice(2));
    } else if (long && !word.includes("=", 3)) {
      const name = word.slice(2);
      store(name, takesValue(name) && rest.length > 0 ? rest.shift() : undefined);
    } else if (long) {
      const at = word.indexOf("=");
      store(word.slice(2, at), word.slice(at + 1));
    } else {
      positionals.push(word);
    }
  }
  for (const [name, value] of table.defaults) {
    if (!values.has(name) && table.types.has(name)) values.set(name, value as string | boolean);
  }
  return { values, positionals };
}

function parseRaw(rawArgs: string[], table: FlagTable): ParsedArgs {
  const words: string[] = [];
  const negated: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const word = rawArgs[i]!;
    if (word === "--") {
      words.push(...rawArgs.slice(i));
      break;
    }
    if (word.startsWith("--no-")) negated.push(word.slice(5));
    else words.push(word);
  }
  const { values, positionals } = scan(words, table);
  const out: ParsedArgs = { _: positionals };
  for (const [key, value] of values) {
    // A switch given a value (--json=false) and a flag that needs one given none (--db at the end).
    if (table.isBoolean(key) && typeof value === "string") out[key] = value !== "false";
    else if (table.isString(key) && typeof value === "boolean") out[key] = "";
    else out[key] = value;
  }
  for (const name of negated) {
    out[name] = false;
    const main = table.aliasToMain.get(name);
    if (main) out[main] = false;
    for (const alias of table.mainToAliases.get(name) ?? []) out[alias] = false;
  }
  for (const [alias, main] of table.aliasToMain) {
    if (out[alias] !== undefined && out[main] === undefined) out[main] = out[alias];
    if (out[main] !== undefined && out[alias] === undefined) out[alias] = out[main];
    if (out[alias] !== out[main] && table.defaults.get(main) === out[main]) out[main] = out[alias];
  }
  return out;
}

/**
 * citty accepts any flag; maos refuses one the command does not declare (a typo must not be
 * ignored), in any of the spellings the parse accepts, `--no-` before a switch, and --help.
 */
function refuseUnknownFlags(rawArgs: string[], table: FlagTable, command: string): void {
  for (const arg of rawArgs) {
    if (arg === "--") break;
    if (arg[0] !== "-" || /^-\d/.test(arg)) continue;
    const name = arg.replace(/^-+/, "").split("=")[0]!;
    if (name === "help" || name === "h" || table.types.has(name)) continue;
    if (name.startsWith("no-") && table.isBoolean(name.slice(3))) continue;
    throw new UsageError(`unknown option ${arg.split("=")[0]} for \`${command}\``, `see \`${command} --help\``);
  }
}

/**
 * A command's `args` from its raw words: flags, declared positionals, `_` for all positionals.
 * Given the command's name, a flag it does not declare is refused first.
 */
export function parseCommandArgs(rawArgs: string[], argsDef: ArgsDef, command?: string): ParsedArgs {
  const args = entries(argsDef);
  const table = flagTable(args);
  if (command !== undefined) refuseUnknownFlags(rawArgs, table, command);
  const parsed = parseRaw(rawArgs, table);
  const positionals = [...parsed._];
  for (const arg of args) {
    if (arg.type === "positional") {
      const next = positionals.shift();
      if (next !== undefined) parsed[arg.name] = next;
      else if (arg.default === undefined && arg.required !== false) {
        throw new UsageError(`Missing required positional argument: ${arg.name.toUpperCase()}`, "see --help");
      } else parsed[arg.name] = arg.default;
    } else if (arg.type === "enum") {
      const value = parsed[arg.name];
      const options = arg.options ?? [];
      if (value !== undefined && options.length > 0 && !options.includes(value as string)) {
        throw new UsageError(`Invalid value for argument: --${arg.name} (${String(value)}). Expected one of: ${options.join(", ")}.`, "see --help");
      }
    } else if (arg.required && parsed[arg.name] === undefined) {
      throw new UsageError(`Missing required argument: --${arg.name}`, "see --help");
    }
  }
  return parsed;
}
