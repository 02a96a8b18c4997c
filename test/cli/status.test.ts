import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runMaos } from "../support/cli.ts";
import { dumpDatabase } from "../support/db-state.ts";
import { buildOrchestration, createTestDb, standardSpec, type TestDb } from "../support/fixtures.ts";
import { schemaVersion } from "../../src/store/migrations.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

describe("maos status", () => {
  test("database, counts and the unfinished orchestrations", async () => {
    const live = buildOrchestration(t.db, standardSpec());
    const crashed = buildOrchestration(t.db, standardSpec({ owner: "dead" }));
    const done = buildOrchestration(t.db, { status: "completed", tasks: [{ key: "x", status: "completed" }] });
    const r = await runMaos(["status", "--db", t.path]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`Database: ${t.path} (`);
    expect(r.stdout).toContain(`schema v${schemaVersion})`);
    // The crashed one counts as it is shown in the table below: paused (interrupted), its agent interrupted.
    expect(r.stdout).toContain("Orchestrations: 1 completed, 1 running, 1 paused (interrupted)");
    expect(r.stdout).toContain("Agents: 1 active, 5 completed, 4 inactive, 1 interrupted");
    expect(r.stdout).toContain("Messages: 6   Events: ");
    expect(r.stdout).toMatch(new RegExp(`${live.id.slice(0, 8)}\\s+running\\s`));
    expect(r.stdout).toMatch(new RegExp(`${crashed.id.slice(0, 8)}\\s+paused \\(interrupted\\)`));
    expect(r.stdout).not.toContain(done.id.slice(0, 8));
    expect(r.stdout).not.toContain("Recent messages");
  });

  test("--messages shows the most recent messages; --json is one document", async () => {
    buildOrchestration(t.db, standardSpec());
    const r = await runMaos(["status", "--messages"], { env: { MAOS_DB: t.path } });
    expect(r.stdout).toContain("Recent messages:");
    expect(r.stdout).toMatch(/design → build\s+message/);
    const doc = JSON.parse((await runMaos(["status", "--json", "--messages", "--db", t.path])).stdout);
    expect(doc.database).toMatchObject({ path: t.path, schema_version: schemaVersion });
    expect(doc.messages).toBe(3);
    expect(doc.recent_messages).toHaveLength(3);
    expect(doc.unfinished).toHaveLength(1);
    expect(JSON.parse((await runMaos(["status", "--json", "--db", t.path])).stdout).recent_messages).toBeUndefined();
  });

  test("an empty database", async () => {
    const r = await runMaos(["status", "--db", t.path]);
    expect(r.stdout).toContain("Orchestrations: none");
    expect(r.stdout).toContain("No running or paused orchestrations.");
  });

  test("a missing database is exit 5 and is not created", async () => {
    const path = join(t.dir, "nothing-here.db");
    const r = await runMaos(["status", "--db", path]);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(`maos: no database at ${path} — run \`maos orchestrate\` first, or pass --db / MAOS_DB\n`);
    expect(existsSync(path)).toBe(false);
  });

  test("reading changes nothing", async () => {
    buildOrchestration(t.db, standardSpec());
    const before = dumpDatabase(t.path);
    await runMaos(["status", "--messages", "--db", t.path]);
    expect(dumpDatabase(t.path)).toBe(before);
  });
});
