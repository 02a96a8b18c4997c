import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { getOrchestration, readOptions, setOptions } from "../../../src/store/orchestrations.ts";
import { runMaos } from "../../support/cli.ts";
import { dumpDatabase, fileFingerprint } from "../../support/db-state.ts";
import { fakeClaudePath } from "../../support/fake-agent.ts";
import { buildOrchestration, createTestDb, type TestDb } from "../../support/fixtures.ts";
import { scaled } from "../../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

/** Every bad run flag of `resume` is refused with one line and exit 2, before the database is touched. */
const cases: [string, string[], RegExp][] = [
  ["--budget-usd abc", ["--budget-usd", "abc"], /--budget-usd must be a positive amount in USD such as 2.50, got "abc"/],
  ["--budget-usd 0", ["--budget-usd", "0"], /--budget-usd must be a positive amount/],
  ["--agent-timeout 0", ["--agent-timeout", "0"], /--agent-timeout must be an integer from 1 to 86400, got "0"/],
  ["--idle-timeout 1.5", ["--idle-timeout", "1.5"], /--idle-timeout must be an integer from 1 to 86400/],
  ["--retries 11", ["--retries", "11"], /--retries must be an integer from 0 to 10/],
  ["--max-parallel 99", ["--max-parallel", "99"], /--max-parallel must be an integer from 1 to 32, got "99"/],
  ["--model with a space", ["--model", "a b"], /--model must be a model alias or id/],
  ["--permission-mode yolo", ["--permission-mode", "yolo"], /--permission-mode must be one of acceptEdits, auto, bypassPermissions/],
  ["--max-turns 0", ["--max-turns", "0"], /--max-turns must be an integer from 1 to 10000/],
  ["--durability fast", ["--durability", "fast"], /--durability must be full or normal, got "fast"/],
  ["a flag that is not a resume flag", ["--save-interval", "60"], /unknown option --save-interval/],
];

describe("maos orchestration resume: bad run flags", () => {
  for (const [name, extra, message] of cases) {
    test(name, async () => {
      const o = buildOrchestration(t.db, { status: "paused", tasks: [{ key: "x", status: "failed" }] });
      const before = dumpDatabase(t.path);
      const files = fileFingerprint(t.path);
      const r = await runMaos(["orchestration", "resume", o.id.slice(0, 8), "--auto", "--db", t.path, "--claude-bin", fakeClaudePath(), ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
      expect(dumpDatabase(t.path)).toBe(before);
      expect(fileFingerprint(t.path)).toBe(files);
    });
  }

  test("--budget-usd at or below what the orchestration spent is refused, naming the spend; nothing changes", async () => {
    const o = buildOrchestration(t.db, { status: "failed", tasks: [{ key: "x", status: "completed", cost: 0.5 }, { key: "y" }] });
    setOptions(t.db, o.id, { ...readOptions(getOrchestration(t.db, o.id)!), budgetUsd: 0.25 });
    const before = dumpDatabase(t.path);
    for (const budget of ["0.3", "0.5"]) {
      const r = await runMaos(["orchestration", "resume", o.id.slice(0, 8), "--auto", "--db", t.path, "--claude-bin", fakeClaudePath(), "--budget-usd", budget]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `maos: --budget-usd ${budget} is not above the $0.50 orchestration ${o.id.slice(0, 8)} has already spent — the budget caps the orchestration's whole total; give more than $0.50\n`,
      );
    }
    expect(dumpDatabase(t.path)).toBe(before);
  });

  test("help lists the run flags, each defaulting to the recorded value", async () => {
    const r = await runMaos(["orchestration", "resume", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["--budget-usd", "--agent-timeout", "--idle-timeout", "--retries", "--max-parallel", "--model", "--permission-mode", "--max-turns", "--durability"]) {
      expect(r.stdout).toMatch(new RegExp(`${flag}[^\\n]*default: as recorded`));
    }
  });
});
