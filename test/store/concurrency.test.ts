/**
 * Several real processes write to one database at once: nobody sees SQLITE_BUSY (BEGIN
 * IMMEDIATE + busy_timeout), and every row each of them committed is there afterwards.
 */
import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { openDatabase } from "../../src/store/db.ts";
import { runMaos } from "../support/cli.ts";
import { tempDir } from "../support/claude-env.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

const writer = join(import.meta.dir, "..", "support", "concurrent-writer.ts");
const workers = 4;
const rounds = 150;

let dir: string;
let remove: () => void;
beforeEach(() => {
  ({ path: dir, cleanup: remove } = tempDir());
});
afterEach(() => remove());

async function runWriters(path: string): Promise<{ orchestrationId: string }[]> {
  const startAt = Date.now() + 400;
  const children = Array.from({ length: workers }, (_, w) =>
    Bun.spawn(["bun", writer, path, String(w), String(rounds), String(startAt)], { stdout: "pipe", stderr: "pipe" }),
  );
  // A reader using the compiled binary while the writers run.
  const readers = (async () => {
    await Bun.sleep(Math.max(0, startAt - Date.now()));
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await runMaos(["orchestration", "list", "--json", "--db", path])).code);
    return codes;
  })();
  const results = await Promise.all(
    children.map(async (child) => ({
      code: await child.exited,
      stdout: await new Response(child.stdout).text(),
      stderr: await new Response(child.stderr).text(),
    })),
  );
  for (const r of results) {
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }
  // The first list may run before any writer created the file (exit 5 "no database"); none may fail otherwise.
  expect((await readers).filter((c) => c !== 0 && c !== 5)).toEqual([]);
  return results.map((r) => JSON.parse(r.stdout));
}

function verify(path: string, written: { orchestrationId: string }[]): void {
  const db = new Database(path, { readonly: true });
  try {
    expect(db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM orchestrations").get()!.n).toBe(workers);
    for (const { orchestrationId } of written) {
      const count = (table: string) =>
        db.query<{ n: number }, [string]>(`SELECT COUNT(*) AS n FROM ${table} WHERE orchestration_id = ?`).get(orchestrationId)!.n;
      expect([count("messages"), count("deliveries"), count("events")]).toEqual([rounds, rounds, rounds]);
      const seqs = db
        .query<{ seq: number }, [string]>("SELECT seq FROM events WHERE orchestration_id = ? ORDER BY seq")
        .all(orchestrationId)
        .map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: rounds }, (_, i) => i + 1));
      expect(db.query("SELECT message_count, active_agents FROM orchestrations WHERE id = ?").get(orchestrationId)).toEqual({
        message_count: rounds,
        active_agents: 1,
      });
    }
    expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()!.integrity_check).toBe("ok");
  } finally {
    db.close();
  }
}

describe("several processes writing to one database", () => {
  test("an existing database: no SQLITE_BUSY, no row lost", async () => {
    const path = join(dir, "maos.db");
    openDatabase(path).close();
    verify(path, await runWriters(path));
  });

  test("a database none of them has created yet: exactly one applies the migration", async () => {
    const path = join(dir, "new", "maos.db");
    verify(path, await runWriters(path));
  });
});
