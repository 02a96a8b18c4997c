/**
 * Event ingestion on the real path: the compiled `dist/maos orchestrate --auto --plan <20
 * independent tasks> --max-parallel 20 --claude-bin <producer>`, where the producer
 * (bench/support/producer.ts) streams a prepared stream-json file as fast as the pipe takes
 * it. Everything maos does per line is in the figure: spawning, line splitting, parsing,
 * the attempt's bookkeeping, the mailbox scan, the group commit with synchronous=FULL.
 *
 * Timing comes from maos itself, opt-in: MAOS_INGEST_METRICS=<file> makes the event writer
 * count each committed batch (first line read, last commit, read→commit histogram) and
 * write the totals and its VmHWM at exit (src/agents/ingest-metrics.ts). The bench checks
 * the row count against the database and also samples /proc/<pid>/status while it runs.
 *
 * The ceiling is a bare bun:sqlite loop inserting the same rows (same pragmas: WAL,
 * synchronous=FULL; 1,000-row transactions), run in the same bench run right after each
 * maos run, so the ratio compares like with like on whatever load the machine has.
 *
 *   bun run bench --only events
 *   MAOS_BENCH_EVENTS_LINES=2000 MAOS_BENCH_EVENTS_RUNS=1 bun bench/events.bench.ts   quick look
 */
import { Database } from "bun:sqlite";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IngestMetrics } from "../src/agents/ingest-metrics.ts";
import { eventTimestamp } from "../src/agents/event-writer.ts";
import { insertAgent } from "../src/store/agents.ts";
import { openDatabase } from "../src/store/db.ts";
import { eventInserter } from "../src/store/events.ts";
import { defaultRunOptions, insertOrchestration } from "../src/store/orchestrations.ts";
import { insertTask } from "../src/store/tasks.ts";
import { transaction } from "../src/store/tx.ts";
import { ensureBinary } from "../test/support/binary.ts";
import { tempDir } from "../test/support/claude-env.ts";
import type { BenchRow } from "./index.ts";
import { linesPerAgent, writeProducer } from "./support/producer.ts";
import { streamLine } from "./support/stream-child.ts";

const agents = 20;
const lines = Number(process.env.MAOS_BENCH_EVENTS_LINES ?? 10_000);
const runs = Number(process.env.MAOS_BENCH_EVENTS_RUNS ?? 3);
const floors = { ratio: 0.35, ratioGoal: 0.5, p99Ms: 50, rssMb: 100 };

interface MaosRun {
  rows: number;
  perSecond: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  peakRssMb: number;
  transactions: number;
}

function planFile(dir: string): string {
  const tasks = Array.from({ length: agents }, (_, i) => ({
    id: `t${String(i + 1).padStart(2, "0")}`,
    agent_type: "developer",
    description: `Stream as fast as you can (bench agent ${i + 1})`,
  }));
  const path = join(dir, "plan.json");
  writeFileSync(path, JSON.stringify({ summary: "ingestion bench", tasks }));
  return path;
}

function vmHwmKb(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0; // exited between two samples
  }
}

/** One `maos orchestrate` run in a fresh directory and database. */
async function runMaos(binary: string, producer: string, plan: string): Promise<MaosRun> {
  using dir = tempDir("maos-bench-ingest-");
  const db = join(dir.path, "maos.db");
  const metricsFile = join(dir.path, "metrics.json");
  const child = Bun.spawn(
    [binary, "orchestrate", "ingestion bench", "--auto", "--plan", plan, "--max-parallel", String(agents), "--claude-bin", producer, "--db", db, "--json"],
    {
      cwd: dir.path,
      env: { ...process.env, MAOS_INGEST_METRICS: metricsFile, CLAUDE_CONFIG_DIR: join(dir.path, "claude"), NO_COLOR: "1" },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  let sampledKb = 0;
  const sampler = setInterval(() => (sampledKb = Math.max(sampledKb, vmHwmKb(child.pid))), 20);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearInterval(sampler);
  if (code !== 0) throw new Error(`maos orchestrate exited ${code}:\n${stderr.slice(-2000)}\n${stdout.slice(-2000)}`);
  const metrics = JSON.parse(readFileSync(metricsFile, "utf8")) as IngestMetrics;
  const reader = new Database(db, { readonly: true });
  const stored = reader.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM events").get()!.n;
  reader.close();
  const expected = agents * linesPerAgent(lines);
  if (stored !== expected || metrics.rows !== expected) {
    throw new Error(`expected ${expected} events; the database holds ${stored}, maos counted ${metrics.rows}`);
  }
  const seconds = (metrics.lastCommitMs - metrics.firstReadMs) / 1000;
  return {
    rows: stored,
    perSecond: stored / seconds,
    seconds,
    p50Ms: metrics.p50Ms,
    p99Ms: metrics.p99Ms,
    maxMs: metrics.maxMs,
    peakRssMb: Math.max(sampledKb, metrics.peakRssKb ?? 0) / 1024,
    transactions: metrics.transactions,
  };
}

/** The bare loop: the same rows through one prepared statement, 1,000 per transaction; only BEGIN…COMMIT is timed. */
function runCeiling(total: number): number {
  using dir = tempDir("maos-bench-ceiling-");
  const db = openDatabase(join(dir.path, "ceiling.db"), { durability: "full" });
  try {
    const orchestrationId = "bench-ceiling";
    const agentIds = transaction(db, () => {
      insertOrchestration(db, {
        id: orchestrationId,
        request: "bench",
        cwd: dir.path,
        claudeConfigDir: null,
        ownerPid: process.pid,
        ownerHost: "bench",
        saveIntervalS: 30,
        options: { ...defaultRunOptions, maxParallel: agents },
      });
      return Array.from({ length: agents }, (_, position) => {
        const key = `t${position}`;
        const taskId = insertTask(db, { orchestrationId, key, position, agentType: "developer", description: key, dependsOn: [] });
        insertAgent(db, { id: taskId, name: key, type: "developer", orchestrationId, taskId, capabilities: [], source: "builtin" });
        return taskId;
      });
    });
    const insert = eventInserter(db);
    const session = "00000000-0000-4000-8000-000000000000";
    const raws = Array.from({ length: 1_000 }, (_, i) => streamLine(0, i + 1).slice(0, -1));
    const seqs = new Array<number>(agents).fill(0);
    let elapsed = 0;
    for (let done = 0; done < total; ) {
      const size = Math.min(1_000, total - done);
      const ts = eventTimestamp();
      const started = performance.now();
      db.exec("BEGIN IMMEDIATE");
      for (let i = 0; i < size; i++) {
        const agent = (done + i) % agents;
        insert.run(orchestrationId, agentIds[agent]!, session, 1, ++seqs[agent]!, ts, "assistant", null, raws[i]!);
      }
      db.exec("COMMIT");
      elapsed += performance.now() - started;
      done += size;
    }
    return total / (elapsed / 1000);
  } finally {
    db.close(false);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const range = (values: number[], digits = 0) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

export default async function benchEvents(): Promise<BenchRow[]> {
  const binary = ensureBinary();
  using shared = tempDir("maos-bench-producer-");
  const producer = writeProducer(shared.path, lines);
  const plan = planFile(shared.path);
  const measured: { run: MaosRun; ceiling: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await runMaos(binary, producer, plan);
    measured.push({ run, ceiling: runCeiling(run.rows) });
  }
  const pick = (f: (m: { run: MaosRun; ceiling: number }) => number) => measured.map(f);
  const rate = pick((m) => m.run.perSecond);
  const ceiling = pick((m) => m.ceiling);
  const ratio = pick((m) => m.run.perSecond / m.ceiling);
  const p99 = pick((m) => m.run.p99Ms);
  const rss = pick((m) => m.run.peakRssMb);
  const first = measured[0]!.run;
  const of = `median of ${runs} run(s)`;
  return [
    {
      name: `events: committed/s through dist/maos orchestrate (${agents} agents, synchronous=FULL)`,
      value: Math.round(median(rate)),
      unit: "events/s",
      spread: `runs ${range(rate)}`,
      note: `${of}; ${first.rows} events of ~300 B per run, first line read → last commit (${first.seconds.toFixed(2)} s, ${first.transactions} transactions in run 1)`,
    },
    {
      name: "events: bare bun:sqlite loop, same rows and pragmas (ceiling)",
      value: Math.round(median(ceiling)),
      unit: "events/s",
      spread: `runs ${range(ceiling)}`,
      note: "1,000-row transactions through one prepared statement, no reading or parsing; run right after each maos run",
    },
    {
      name: "events: maos / bare loop",
      value: Math.round(median(ratio) * 100) / 100,
      unit: "×",
      spread: `runs ${range(ratio, 2)}`,
      target: `≥ ${floors.ratio} (goal ${floors.ratioGoal})`,
      pass: median(ratio) >= floors.ratio,
    },
    {
      name: "events: line read → committed, p99",
      value: median(p99),
      unit: "ms",
      spread: `p50 ${median(pick((m) => m.run.p50Ms))} ms, max ${Math.max(...pick((m) => m.run.maxMs))} ms`,
      target: `≤ ${floors.p99Ms} ms`,
      pass: median(p99) <= floors.p99Ms,
      note: "read = when maos's line splitter yields the line, commit = when its batch's COMMIT returned (maos's own clock)",
    },
    {
      name: "events: peak RSS of maos (VmHWM)",
      value: Math.round(median(rss)),
      unit: "MB",
      spread: `runs ${range(rss)}`,
      target: `≤ ${floors.rssMb} MB`,
      pass: median(rss) <= floors.rssMb,
    },
  ];
}

if (import.meta.main) console.table(await benchEvents());
