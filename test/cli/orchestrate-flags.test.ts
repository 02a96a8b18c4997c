import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runMaos } from "../support/cli.ts";
import { tempDir } from "../support/claude-env.ts";
import { dumpDatabase, fileFingerprint } from "../support/db-state.ts";
import { fakeClaudePath } from "../support/fake-agent.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

/** Every bad flag of `orchestrate` is refused with one line and exit 2, before the database exists. */
const cases: [string, string[], RegExp][] = [
  ["--max-parallel 0", ["--max-parallel", "0"], /--max-parallel must be an integer from 1 to 32, got "0"/],
  ["--max-parallel abc", ["--max-parallel", "abc"], /--max-parallel must be an integer/],
  ["--agent-timeout 1.5", ["--agent-timeout", "1.5"], /--agent-timeout must be an integer from 1 to 86400/],
  ["--idle-timeout 0", ["--idle-timeout", "0"], /--idle-timeout must be an integer/],
  ["--retries 11", ["--retries", "11"], /--retries must be an integer from 0 to 10/],
  ["--budget-usd 0", ["--budget-usd", "0"], /--budget-usd must be a positive amount/],
  ["--budget-usd -5", ["--budget-usd", "-5"], /--budget-usd must be a positive amount/],
  ["--model with a space", ["--model", "a b"], /--model must be a model alias or id/],
  ["--permission-mode yolo", ["--permission-mode", "yolo"], /--permission-mode must be one of acceptEdits, auto, bypassPermissions/],
  ["--max-turns 0", ["--max-turns", "0"], /--max-turns must be an integer/],
  ["--save-interval 4", ["--save-interval", "4"], /--save-interval must be an integer from 5 to 3600/],
  ["--checkpoint-interval 5", ["--checkpoint-interval", "5"], /--checkpoint-interval must be an integer from 10/],
  ["--live-message-cap 1001", ["--live-message-cap", "1001"], /--live-message-cap must be an integer from 0 to 1000/],
  ["--durability fast", ["--durability", "fast"], /--durability must be full or normal/],
  ["unknown flag", ["--bogus"], /unknown option --bogus for `maos orchestrate`/],
  ["missing plan file", ["--plan", "/nonexistent/plan.json"], /plan file \/nonexistent\/plan.json does not exist/],
];

describe("maos orchestrate: bad flags", () => {
  for (const [name, extra, message] of cases) {
    test(name, async () => {
      const dir = tempDir("maos-flags-").path;
      const db = join(dir, "maos.db");
      const r = await runMaos(["orchestrate", "build it", "--auto", "--db", db, "--claude-bin", fakeClaudePath(), ...extra], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
      expect(existsSync(db)).toBe(false);
    });
  }

  test("missing request", async () => {
    const dir = tempDir("maos-flags-").path;
    const r = await runMaos(["orchestrate", "--auto", "--db", join(dir, "maos.db")], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing request");
  });

  test("a bad flag leaves an existing database byte for byte as it was", async () => {
    const dir = tempDir("maos-flags-").path;
    const db = join(dir, "maos.db");
    const plan = join(dir, "plan.json");
    writeFileSync(plan, JSON.stringify({ tasks: [{ id: "a", agent_type: "developer", description: "x" }] }));
    const ok = await runMaos(["orchestrate", "x", "--auto", "--db", db, "--plan", plan, "--claude-bin", fakeClaudePath()], { cwd: dir });
    expect(ok.code).toBe(0);
    const before = dumpDatabase(db);
    const files = fileFingerprint(db);
    const r = await runMaos(["orchestrate", "x", "--auto", "--db", db, "--plan", plan, "--max-parallel", "99"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(dumpDatabase(db)).toBe(before);
    expect(fileFingerprint(db)).toBe(files);
  });
});

describe("maos orchestrate --plan: a bad plan file is exit 2, names the file and the problem, and writes nothing", () => {
  const task = (id: string, depends_on: string[] = [], agent_type = "developer") => ({ id, agent_type, description: `do ${id}`, depends_on });
  const plans: [string, string, RegExp][] = [
    ["bad JSON", '{"tasks": [', /is not valid JSON at line 1/],
    ["missing field", JSON.stringify({ tasks: [{ id: "a", agent_type: "developer" }] }), /tasks\[0\]\.description/],
    ["unknown dependency", JSON.stringify({ tasks: [task("a", ["nope"])] }), /tasks\[0\]\.depends_on\[0\].*nope/],
    ["cycle", JSON.stringify({ tasks: [task("a", ["b"]), task("b", ["a"])] }), /cycle a → b → a|cycle b → a → b/],
    ["unknown agent type", JSON.stringify({ tasks: [task("a", [], "wizard")] }), /tasks\[0\]\.agent_type.*wizard/],
    ["51 tasks", JSON.stringify({ tasks: Array.from({ length: 51 }, (_, i) => task(`t${i}`)) }), /tasks.*50/],
  ];
  for (const [name, text, message] of plans) {
    test(name, async () => {
      const dir = tempDir("maos-plan-").path;
      const file = join(dir, "plan.json");
      writeFileSync(file, text);
      const db = join(dir, "maos.db");
      const r = await runMaos(["orchestrate", "x", "--auto", "--db", db, "--plan", file, "--claude-bin", fakeClaudePath()], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(message);
      expect(existsSync(db)).toBe(false);
    });
  }
});
