import { describe, expect, test } from "bun:test";
import { parseArgs as cittyParseArgs, type ArgsDef, type CommandDef } from "citty";
import { camelCase, kebabCase, parseCommandArgs } from "../../src/cli/argv.ts";
import { runCommand } from "../../src/cli/command.ts";
import { main } from "../../src/cli/main.ts";
import { UsageError } from "../../src/errors.ts";

type AnyCommand = CommandDef<ArgsDef>;
const resolve = async <T>(v: unknown): Promise<T> => (typeof v === "function" ? await v() : await v) as T;

/** Every leaf command of maos with its path, loaded through the same lazy tree the CLI walks. */
async function leafCommands(cmd: AnyCommand, path: string[] = []): Promise<{ path: string; args: ArgsDef }[]> {
  const subs = await resolve<Record<string, unknown> | undefined>(cmd.subCommands);
  if (!subs) return [{ path: path.join(" "), args: (await resolve<ArgsDef | undefined>(cmd.args)) ?? {} }];
  const out = [];
  for (const [name, sub] of Object.entries(subs)) out.push(...(await leafCommands(await resolve<AnyCommand>(sub), [...path, name])));
  return out;
}

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

function outcome(parse: () => Record<string, unknown>, names: string[]): unknown {
  try {
    const args = parse();
    // Every spelling a command may read, through whatever lookup the object offers.
    const read = Object.fromEntries(names.flatMap((n) => [n, camelCase(n), kebabCase(n)]).map((n) => [n, args[n]]));
    return { own: { ...args }, read };
  } catch (error) {
    return { error: plain((error as Error).message) };
  }
}

/** Words that exercise each rule of the parse: values, inline values, negation, --, groups, numbers, unknown flags. */
function corpus(args: ArgsDef): string[][] {
  const general = [
    [],
    ["a"],
    ["a", "b", "c"],
    ["--", "--json", "x"],
    ["a", "--", "-x"],
    ["-5"],
    ["-12"],
    ["-"],
    ["--=x"],
    ["--unknown"],
    ["--unknown=1", "b"],
    ["--no-unknown"],
    ["-h"],
    ["--help"],
    ["-abc"],
    ["--__proto__", "x"],
  ];
  const perFlag: string[][] = [];
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    for (const spelling of new Set([name, camelCase(name), kebabCase(name), ...[("alias" in def ? def.alias : undefined) ?? []].flat()])) {
      const flag = spelling.length === 1 ? `-${spelling}` : `--${spelling}`;
      perFlag.push(
        [flag],
        [flag, "v"],
        [flag, "-5"],
        [flag, "--json"],
        ["a", flag, "v", "b"],
        [`${flag}=v`],
        [`${flag}=`],
        [`${flag}=false`],
        [`${flag}=true`],
        [`--no-${spelling}`],
        [flag, "v", `--no-${spelling}`],
        [flag, "one", flag, "two"],
        [flag, "--", "x"],
      );
    }
  }
  return [...general, ...perFlag];
}

describe("maos's argument parse gives what citty's would, for every command's declared flags", async () => {
  const leaves = await leafCommands(main as AnyCommand);

  test("the command tree has its leaves", () => {
    expect(leaves.length).toBeGreaterThan(20);
    expect(leaves.map((l) => l.path)).toContain("orchestration list");
  });

  for (const { path, args } of leaves) {
    test(`maos ${path}`, () => {
      const names = Object.keys(args);
      for (const words of corpus(args)) {
        const ours = outcome(() => parseCommandArgs([...words], args), names);
        const theirs = outcome(() => cittyParseArgs([...words], args) as Record<string, unknown>, names);
        expect({ words, result: ours }).toEqual({ words, result: theirs });
      }
    });
  }
});

test("a missing required positional is a UsageError (exit 2), as citty's CLIError was mapped to", () => {
  expect(() => parseCommandArgs([], { id: { type: "positional", description: "" } })).toThrow(UsageError);
});

test("runCommand runs setup, run and cleanup in order; a failing run still cleans up and its error is the one thrown", async () => {
  const seen: string[] = [];
  const cmd = {
    args: { n: { type: "string" } },
    setup: () => void seen.push("setup"),
    run: ({ args }: { args: { n?: string } }) => {
      seen.push(`run ${args.n}`);
      throw new Error("run failed");
    },
    cleanup: () => {
      seen.push("cleanup");
      throw new Error("cleanup failed");
    },
  } as unknown as CommandDef<ArgsDef>;
  await expect(runCommand(cmd, { rawArgs: ["--n", "3"] })).rejects.toThrow("run failed");
  expect(seen).toEqual(["setup", "run 3", "cleanup"]);
});
