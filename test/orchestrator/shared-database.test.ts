import { expect, test, setDefaultTimeout } from "bun:test";
import { Database } from "bun:sqlite";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/claude-env.ts";
import { runMaos } from "../support/cli.ts";
import { fakeAgentEnv, fakeClaudePath } from "../support/fake-agent.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

test("several maos processes run orchestrations on one database at once: all complete, nothing lost, no SQLITE_BUSY", async () => {
  const dir = tempDir("maos-shared-").path;
  const db = join(dir, "maos.db");
  const plan = join(dir, "plan.json");
  writeFileSync(
    plan,
    JSON.stringify({
      tasks: [
        { id: "a", agent_type: "developer", description: "stream" },
        { id: "b", agent_type: "tester", description: "stream" },
        { id: "c", agent_type: "reviewer", description: "stream", depends_on: ["a"] },
      ],
    }),
  );
  const lines = 1500;
  const env = fakeAgentEnv({ steps: [{ lines, bytes: 300 }, { text: "DISCOVERY: shared finding" }, { text: "done" }] });
  const runs = await Promise.all(
    Array.from({ length: 4 }, (_, i) =>
      runMaos(["orchestrate", `run ${i}`, "--auto", "--json", "--db", db, "--plan", plan, "--claude-bin", fakeClaudePath()], { cwd: dir, env }),
    ),
  );
  for (const r of runs) {
    expect(r.stderr).not.toContain("SQLITE_BUSY");
    expect(r.stderr).not.toContain("database is locked");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe("completed");
  }
  const conn = new Database(db, { readonly: true });
  try {
    const perOrchestration = conn
      .query<{ n: number; assistant: number }, []>(
        "SELECT COUNT(*) AS n, SUM(raw LIKE '%msg_fake_bulk%') AS assistant FROM events GROUP BY orchestration_id",
      )
      .all();
    expect(perOrchestration).toHaveLength(4);
    // every streamed line of the 3 agents is there (live message turns may add a few more events)
    for (const o of perOrchestration) expect(o.assistant).toBe(3 * lines);
    const gaps = conn
      .query<{ n: number }, []>("SELECT COUNT(*) AS n FROM (SELECT agent_id, MAX(seq) AS top, COUNT(*) AS c FROM events GROUP BY agent_id) WHERE top != c")
      .get()!.n;
    expect(gaps).toBe(0);
    // every broadcast went to the other agents of its own orchestration that had not finished yet,
    // and none is left waiting: each was read (acknowledged) or its reader finished first (undeliverable)
    expect(conn.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM messages").get()!.n).toBe(12);
    expect(conn.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM deliveries").get()!.n).toBeLessThanOrEqual(24);
    expect(
      conn.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM deliveries WHERE status NOT IN ('acknowledged','undeliverable')").get()!.n,
    ).toBe(0);
    expect(
      conn
        .query<{ n: number }, []>(
          "SELECT COUNT(*) AS n FROM deliveries d JOIN messages m ON m.id = d.message_id JOIN agents a ON a.id = d.agent_id WHERE a.orchestration_id != m.orchestration_id",
        )
        .get()!.n,
    ).toBe(0);
    expect(conn.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()!.integrity_check).toBe("ok");
  } finally {
    conn.close();
  }
}, scaled(60_000));
