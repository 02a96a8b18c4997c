/**
 * What each start of dist/maos loads, read from the bundle build.ts makes: a chunk's static
 * imports are loaded with it, its import() targets only when that code runs. So the
 * static closure of the entry chunk is what `maos --version` evaluates, and the closure of
 * a command's chunk is what that command adds.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bundleOptions } from "../../build.ts";
import { tempDir } from "../support/claude-env.ts";

interface Output {
  inputs: Record<string, unknown>;
  imports: { path: string; kind: string }[];
  entryPoint?: string;
}

interface Input {
  imports: { path: string; kind: string; original?: string; external?: boolean }[];
}

let outputs: Record<string, Output>;
/** Per source file: its imports, including the runtime's own modules (bun:sqlite, node:fs …). */
let inputs: Record<string, Input>;
const dir = tempDir("maos-bundle-");

beforeAll(async () => {
  const result = await Bun.build({ ...bundleOptions, target: "bun", outdir: dir.path, metafile: true });
  if (!result.success) throw new Error(result.logs.join("\n"));
  const metafile = result.metafile as unknown;
  ({ outputs, inputs } = typeof metafile === "string" ? JSON.parse(metafile) : metafile);
}, 60_000);
afterAll(() => dir.cleanup());

const chunkName = (path: string) => path.replace(/^\.\//, "");

/** Source modules, and the runtime modules they import, evaluated when `chunk` loads (static imports only). */
function staticClosure(chunk: string): { sources: string[]; runtime: string[] } {
  const seen = new Set<string>();
  const sources = new Set<string>();
  const runtime = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const output = outputs[name] ?? outputs[`./${name}`];
    if (!output) return;
    for (const input of Object.keys(output.inputs)) {
      sources.add(input);
      for (const i of inputs[input]?.imports ?? []) {
        if (i.external && i.kind === "import-statement" && !i.path.startsWith(".")) runtime.add(i.original ?? i.path);
      }
    }
    for (const i of output.imports) if (i.kind === "import-statement") visit(chunkName(i.path));
  };
  visit(chunk);
  return { sources: [...sources].sort(), runtime: [...runtime].sort() };
}

function chunkOf(source: string): string {
  const found = Object.entries(outputs).find(([, o]) => source in o.inputs);
  if (!found) throw new Error(`${source} is in no chunk`);
  return chunkName(found[0]);
}

describe("what a start of dist/maos loads", () => {
  test("--version: only the entry (and package.json), no command, no CLI library, no SQLite", () => {
    const entry = Object.entries(outputs).find(([, o]) => o.entryPoint)!;
    const { sources, runtime } = staticClosure(chunkName(entry[0]));
    expect(sources).toEqual(["package.json", "src/index.ts"]);
    expect(runtime).toEqual([]);
  });

  test("the CLI's own start (parsing, dispatch) loads no command module and no valibot, consola or SQLite", () => {
    const { sources, runtime } = staticClosure(chunkOf("src/cli/main.ts"));
    expect(sources.filter((s) => s.startsWith("src/cli/commands/"))).toEqual([]);
    expect(sources.filter((s) => /node_modules\/(valibot|consola|@clack)/.test(s))).toEqual([]);
    expect(runtime).not.toContain("bun:sqlite");
  });

  test("`orchestration list` loads no other command and none of the run machinery", () => {
    const { sources } = staticClosure(chunkOf("src/cli/commands/orchestration/list.ts"));
    expect(sources.filter((s) => s.startsWith("src/cli/commands/") && !s.endsWith("/list.ts"))).toEqual([]);
    for (const heavy of ["src/orchestrator/run.ts", "src/agents/attempt.ts", "src/agents/stream-schema.ts", "src/plan/planner.ts"]) {
      expect(sources).not.toContain(heavy);
    }
    expect(sources.filter((s) => /node_modules\/(consola|@clack)/.test(s))).toEqual([]);
  });

  // Issue 9's floor (≤ 2.5× a trivial compiled binary) is met by what `list` does not load:
  // each of these cost it measurable time (bench/cli.bench.ts, README "Performance").
  test("`orchestration list` loads only its own query: no valibot, no migration SQL, no other store module, no node:os", () => {
    const { sources, runtime } = staticClosure(chunkOf("src/cli/commands/orchestration/list.ts"));
    expect(sources.filter((s) => s.includes("node_modules/valibot"))).toEqual([]);
    expect(sources.filter((s) => s.startsWith("sql/") || s === "src/store/migrations.ts")).toEqual([]);
    expect(sources.filter((s) => s.startsWith("src/store/")).sort()).toEqual(
      ["src/store/agents.ts", "src/store/db.ts", "src/store/file-mode.ts", "src/store/identity.ts", "src/store/orchestration-overviews.ts", "src/store/schema-version.ts", "src/store/time.ts"].sort(),
    );
    expect(sources).not.toContain("src/orchestrator/overview.ts");
    expect(runtime).toContain("bun:sqlite"); // the check below sees the runtime's modules
    expect(runtime).not.toContain("node:os");
  });

  // citty's module imports node:util (parseArgs), about a millisecond of every start: maos
  // parses with src/cli/argv.ts and loads citty only to render --help.
  test("the whole path of `orchestration list` (CLI start, the orchestration group, list) loads neither citty nor node:util, node:os or node:path", () => {
    const path = ["src/cli/main.ts", "src/cli/commands/orchestration/index.ts", "src/cli/commands/orchestration/list.ts"].map((s) => staticClosure(chunkOf(s)));
    const sources = path.flatMap((c) => c.sources);
    const runtime = path.flatMap((c) => c.runtime);
    expect(sources.filter((s) => s.includes("node_modules/citty"))).toEqual([]);
    expect(sources).toContain("src/cli/argv.ts");
    expect(runtime).not.toContain("node:util");
    expect(runtime).not.toContain("node:os");
    expect(runtime).not.toContain("node:path"); // src/system/absolute-path.ts instead, ~0.3 ms
    // Still in the build, behind the import() that --help runs.
    expect(Object.values(outputs).some((o) => Object.keys(o.inputs).some((i) => i.includes("node_modules/citty")))).toBe(true);
  });

  test("opening a database loads the migrations only when one is pending (require() in db.ts)", () => {
    const { sources } = staticClosure(chunkOf("src/store/db.ts"));
    expect(sources.filter((s) => s.startsWith("sql/") || s === "src/store/migrations.ts")).toEqual([]);
    expect(Object.values(outputs).some((o) => "src/store/migrations.ts" in o.inputs)).toBe(true);
  });
});
