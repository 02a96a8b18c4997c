/**
 * 20 agents streaming flat out, as maos's group-commit writer stores them: this process
 * commits each agent's lines in turn, in batches of up to 500 rows (one transaction each,
 * synchronous=FULL), as fast as SQLite takes them, for DURATION_MS. Prints, as JSON, the
 * rows written and each commit's [last event position, Date.now() once committed]: the
 * fan-out bench measures lag from there (a commit can take long: fsync, WAL checkpoints).
 *
 *   bun bench/support/event-flood.ts DB_PATH ORCHESTRATION_ID DURATION_MS AGENT_ID…
 */
import { openDatabase } from "../../src/store/db.ts";
import { sqlNow } from "../../src/store/time.ts";
import { benchLine } from "./observe-fixture.ts";

const [dbPath, orchestrationId, duration, ...agentIds] = process.argv.slice(2) as [string, string, string, ...string[]];
const db = openDatabase(dbPath);
const stmt = db.prepare("INSERT INTO events (orchestration_id, agent_id, session_id, attempt, seq, ts, type, subtype, raw) VALUES (?, ?, NULL, 1, ?, ?, ?, ?, ?)");
const lines = Array.from({ length: 10 }, (_, k) => benchLine(k));
const seqs = new Map(agentIds.map((a) => [a, 0]));
const end = performance.now() + Number(duration);
let total = 0;
const commits: [number, number][] = [];
const batch = 25; // per agent and commit: 20 agents × 25 = 500 rows
while (performance.now() < end) {
  const ts = sqlNow();
  db.transaction(() => {
    for (const agent of agentIds) {
      let seq = seqs.get(agent)!;
      for (let i = 0; i < batch; i++) {
        const line = lines[seq % 10]!;
        stmt.run(orchestrationId, agent, ++seq, ts, line.type, line.subtype, line.raw);
      }
      seqs.set(agent, seq);
    }
  }).immediate();
  commits.push([db.query<{ id: number }, []>("SELECT last_insert_rowid() AS id").get()!.id, Date.now()]);
  total += batch * agentIds.length;
  // Yield like a writer whose producers are separate processes.
  await Bun.sleep(0);
}
db.close(false);
process.stdout.write(JSON.stringify({ total, commits }));
