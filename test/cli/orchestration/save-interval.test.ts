import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { getSaveIntervalS } from "../../../src/orchestrator/settings.ts";
import { runMaos } from "../../support/cli.ts";
import { dumpDatabase } from "../../support/db-state.ts";
import { createTestDb, type TestDb } from "../../support/fixtures.ts";
import { scaled } from "../../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

const saveInterval = (...args: string[]) => runMaos(["orchestration", "save-interval", "--db", t.path, ...args]);

describe("maos orchestration save-interval", () => {
  test("shows the default, persists a new value, shows it back", async () => {
    expect(await saveInterval()).toEqual({ code: 0, stdout: "Auto-save interval: 30 s (default).\n", stderr: "" });
    expect(await saveInterval("60")).toEqual({ code: 0, stdout: "Auto-save interval set to 60 s for new orchestrations.\n", stderr: "" });
    expect(getSaveIntervalS(t.db)).toBe(60);
    expect(await saveInterval()).toEqual({ code: 0, stdout: "Auto-save interval: 60 s.\n", stderr: "" });
  });

  test("--json", async () => {
    expect(JSON.parse((await saveInterval("--json")).stdout)).toEqual({ save_interval_s: 30, source: "default", changed: false });
    expect(JSON.parse((await saveInterval("3600", "--json")).stdout)).toEqual({ save_interval_s: 3600, source: "stored", changed: true });
    expect(JSON.parse((await saveInterval("--json")).stdout)).toEqual({ save_interval_s: 3600, source: "stored", changed: false });
  });

  test("the bounds 5 and 3600 are accepted", async () => {
    expect((await saveInterval("5")).code).toBe(0);
    expect(getSaveIntervalS(t.db)).toBe(5);
    expect((await saveInterval("3600")).code).toBe(0);
    expect(getSaveIntervalS(t.db)).toBe(3600);
  });

  test("showing does not create a database; setting does", async () => {
    const path = join(t.dir, "fresh", "maos.db");
    expect(await runMaos(["orchestration", "save-interval", "--db", path])).toMatchObject({ code: 0, stdout: "Auto-save interval: 30 s (default).\n" });
    expect(existsSync(path)).toBe(false);
    expect((await runMaos(["orchestration", "save-interval", "45"], { env: { MAOS_DB: path } })).code).toBe(0);
    expect(existsSync(path)).toBe(true);
    expect((await runMaos(["orchestration", "save-interval", "--json"], { env: { MAOS_DB: path } })).stdout).toContain('"save_interval_s": 45');
  });

  describe("anything else: exit 2, database unchanged", () => {
    for (const value of ["4", "3601", "abc", "-5", "1.5", "0", "", " ", "60s", "1e2", "99999999999999999999"]) {
      test(JSON.stringify(value), async () => {
        await saveInterval("90");
        const before = dumpDatabase(t.path);
        const r = await saveInterval(value);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(/^maos: the save interval \(seconds\) must be an integer from 5 to 3600, got .*\n$/);
        expect(dumpDatabase(t.path)).toBe(before);
      });
    }
    test("two values, unknown flag", async () => {
      const before = dumpDatabase(t.path);
      expect((await saveInterval("10", "20")).code).toBe(2);
      expect((await saveInterval("--seconds", "20")).code).toBe(2);
      expect(dumpDatabase(t.path)).toBe(before);
    });
  });
});
