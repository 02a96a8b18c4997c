/** The smaller losses and unclear errors of issue 10 (defect 7): a clear line, the documented exit code, nothing lost. */
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeError, ExitCode } from "../../src/errors.ts";
import { runMaos } from "../support/cli.ts";
import { ensureBinary } from "../support/binary.ts";
import { buildOrchestration, createTestDb, type TestDb } from "../support/fixtures.ts";
import { scaled } from "../support/machine.ts";

setDefaultTimeout(scaled(20_000));

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

describe("exit codes", () => {
  test("an unexpected internal error is exit 70 (not 1, which means tasks failed) and says it is a bug", () => {
    const d = describeError(new TypeError("null is not an object"));
    expect(d.exitCode).toBe(ExitCode.internal);
    expect(d.exitCode).toBe(70);
    expect(d.line).toMatch(/^internal error: null is not an object — this is a bug in maos; run again with --verbose/);
  });

  test("--verbose prints a readable stack trace from the compiled binary: source files, lines and function names", async () => {
    const r = await runMaos(["orchestration", "list", "--db", join(t.dir, "missing", "maos.db"), "--verbose"], { cwd: t.dir });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^\s+at openDatabase \(src\/store\/db\.ts:\d+:\d+\)$/m);
    expect(r.stderr).toMatch(/^\s+at run \(src\/cli\/commands\/orchestration\/list\.ts:\d+:\d+\)$/m);
    // Without --verbose: the one line only.
    const quiet = await runMaos(["orchestration", "list", "--db", join(t.dir, "missing", "maos.db")], { cwd: t.dir });
    expect(quiet.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("a full disk says so, keeps what was committed and says how to continue (exit 5)", () => {
    const full = Object.assign(new Error("database or disk is full"), { name: "SQLiteError", code: "SQLITE_FULL" });
    const d = describeError(full);
    expect(d.exitCode).toBe(5);
    expect(d.line).toContain("the disk holding the database is full");
    expect(d.line).toContain("maos orchestration resume <id>");
  });
});

describe("the project directory maos runs in", () => {
  test("its .env, bunfig.toml and package.json do not reach maos (nor, through it, the agents)", async () => {
    const project = join(t.dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, ".env"), `MAOS_DB=${join(project, "from-dotenv.db")}\n`);
    writeFileSync(join(project, "bunfig.toml"), 'preload = ["./preloaded.ts"]\n[run]\npreload = ["./preloaded.ts"]\n');
    writeFileSync(join(project, "preloaded.ts"), 'console.error("PRELOADED");\n');
    writeFileSync(join(project, "package.json"), '{"name": "a-project", "type": "commonjs"}\n');
    const r = await runMaos(["orchestration", "list"], { cwd: project });
    expect(r.code).toBe(5);
    expect(r.stderr.trim()).toBe(`maos: no database at ${join(project, "maos.db")} — run \`maos orchestrate\` first, or pass --db / MAOS_DB`);
  });
});

describe("--db", () => {
  test('--db "" is a usage error, not ./maos.db', async () => {
    const r = await runMaos(["orchestration", "list", "--db", ""], { cwd: t.dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("maos: --db needs a path (it was empty) — pass --db FILE, or leave it out for ./maos.db");
  });

  test("--db /no/such/dir/x.db creates no directories from /", async () => {
    const missing = join(t.dir, "no", "such", "dir");
    const r = await runMaos(["orchestration", "save-interval", "60", "--db", join(missing, "x.db")]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`directory ${missing} does not exist, nor does its parent`);
    expect(existsSync(join(t.dir, "no"))).toBe(false);
  });
});

test("output to a full device (> /dev/full) is exit 5 with one line, not a silent 0", async () => {
  buildOrchestration(t.db, { status: "completed" });
  const child = Bun.spawn([ensureBinary(), "orchestration", "list", "--db", t.path], { stdout: Bun.file("/dev/full"), stderr: "pipe", env: { ...process.env, HOME: t.dir } });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  expect(code).toBe(5);
  expect(stderr).toMatch(/^maos: could not write the output to stdout: .*no space left on device/i);
});

test("resume in a deleted working directory: exit 5, one line, no attempt burnt", async () => {
  const o = buildOrchestration(t.db, { status: "paused", tasks: [{ key: "a", status: "pending" }] });
  const gone = join(t.dir, "deleted-project");
  t.db.query("UPDATE orchestrations SET cwd = ? WHERE id = ?").run(gone, o.id);
  const r = await runMaos(["orchestration", "resume", o.id.slice(0, 8), "--auto", "--db", t.path], { env: { MAOS_CLAUDE_BIN: "/bin/true" } });
  expect(r.code).toBe(5);
  expect(r.stderr.trim().split("\n")).toEqual([
    expect.stringContaining(`maos: the working directory of orchestration ${o.id.slice(0, 8)}, ${gone}, no longer exists — restore it`),
  ]);
  expect(t.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM attempts").get()!.n).toBe(0);
  expect(t.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM resumes").get()!.n).toBe(0);
});
