/**
 * Event ingestion: 20 real child processes stream stream-json lines, each read
 * through readLines → parseStreamLine → EventWriter.push (synchronous=FULL, temp
 * file). Measures committed events/s, read→commit latency, peak RSS, and the
 * ceiling of a bare bun:sqlite loop inserting the same rows in 1,000-row transactions.
 *
 * The measurement runs in a fresh `bun` process (this file with --measure), so the
 * peak RSS is that of the ingesting process alone, not of whatever benches the runner
 * ran before in its own process.
 *
 *   bun run bench --only events          (bench/index.ts calls the default export)
 *   bun bench/events.bench.ts            (standalone)
 *   MAOS_BENCH_EVENTS_PER_AGENT=5000 …   smaller run; MAOS_BENCH_MAX_BATCH=1000 … another maxBatch
 */
import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventWriter, eventTimestamp, type QueuedEvent } from "../src/agents/event-writer.ts";
import { readLines } from "../src/agents/line-splitter.ts";
import { parseStreamLine } from "../src/agents/stream-schema.ts";
import { insertAgent, touchAgent } from "../src/store/agents.ts";
import { openDatabase } from "../src/store/db.ts";
import { countEvents, eventInserter } from "../src/store/events.ts";
import { defaultRunOptions, insertOrchestration } from "../src/store/orchestrations.ts";
import { insertTask } from "../src/store/tasks.ts";
import { transaction } from "../src/store/tx.ts";
import type { BenchRow } from "./index.ts";
import { streamLine } from "./support/stream-child.ts";


const producers = 20;
const perAgent = Number(process.env.MAOS_BENCH_EVENTS_PER_AGENT ?? 25_000);
const orchestrationId = "bench-events";
const childScript = join(import.meta.dir, "support", "stream-child.ts");

function seed(db: Database): string[] {
  return transaction(db, () => {
    insertOrchestration(db, {
      id: orchestrationId,
      request: "bench",
      cwd: tmpdir(),
      claudeConfigDir: null,
      ownerPid: process.pid,
      ownerHost: "bench",
      saveIntervalS: 30,
      options: { ...defaultRunOptions, maxParallel: producers, retries: 0 },
    });
    return Array.from({ length: producers }, (_, position) => {
      const key = `agent-${position}`;
      const taskId = insertTask(db, { orchestrationId, key, position, agentType: "developer", description: key, dependsOn: [] });
      insertAgent(db, { id: taskId, name: key, type: "developer", orchestrationId, taskId, capabilities: [], source: "builtin" });
      return taskId;
    });
  });
}

/** Read→commit latencies in 0.1 ms buckets (no per-event storage, so RSS stays honest). */
class LatencyHistogram {
  private readonly buckets = new Uint32Array(50_000); // up to 5 s
  count = 0;
  add(ms: number): void {
    this.buckets[Math.min(this.buckets.length - 1, Math.max(0, Math.floor(ms * 10)))]!++;
    this.count++;
  }
  quantile(q: number): number {
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return (i + 1) / 10;
    }
    return Number.POSITIVE_INFINITY;
  }
}

interface WriterRun {
  events: number;
  seconds: number;
  wallSeconds: number;
  p50: number;
  p99: number;
  max: number;
  peakRssMb: number;
  transactions: number;
  largestBatch: number;
}

async function runWriter(db: Database, agentIds: string[]): Promise<WriterRun> {
  const writer = new EventWriter(db, process.env.MAOS_BENCH_MAX_BATCH ? { maxBatch: Number(process.env.MAOS_BENCH_MAX_BATCH) } : {});
  // What the orchestrator does per batch: the agents' last committed sequence, atomically with the events.
  writer.onFlush((batch, hookDb) => {
    const last = new Map<string, number>();
    for (const e of batch) last.set(e.agent_id, e.seq);
    for (const [agentId, seq] of last) touchAgent(hookDb, agentId, seq, null);
  });
  const latency = new LatencyHistogram();
  let firstRead = Number.POSITIVE_INFINITY;
  let lastCommit = 0;
  writer.onCommitted((batch, at) => {
    for (const e of batch) latency.add(at - e.readAt!);
    lastCommit = at;
  });

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > peakRss) peakRss = rss;
  }, 10);

  const started = performance.now();
  const consume = async (agentId: string, index: number): Promise<void> => {
    const child = Bun.spawn([process.execPath, childScript, String(perAgent), String(index)], { stdout: "pipe", stderr: "inherit" });
    let seq = 0;
    for await (const line of readLines(child.stdout)) {
      const readAt = performance.now();
      if (readAt < firstRead) firstRead = readAt;
      const parsed = parseStreamLine(line.text);
      const event: QueuedEvent = {
        orchestration_id: orchestrationId,
        agent_id: agentId,
        session_id: null,
        attempt: 1,
        seq: ++seq,
        ts: eventTimestamp(),
        type: parsed.type,
        subtype: parsed.subtype,
        raw: line.text, // the line as read: never re-serialised
        readAt,
      };
      const pressure = writer.push(event);
      if (pressure) await pressure;
    }
    if ((await child.exited) !== 0) throw new Error(`stream child ${index} failed`);
  };
  try {
    await Promise.all(agentIds.map(consume));
    await writer.close();
  } finally {
    clearInterval(sampler);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const events = writer.stats.rows;
  return {
    events,
    seconds: (lastCommit - firstRead) / 1000,
    wallSeconds,
    p50: latency.quantile(0.5),
    p99: latency.quantile(0.99),
    max: latency.quantile(1),
    peakRssMb: peakRss / (1024 * 1024),
    transactions: writer.stats.transactions,
    largestBatch: writer.stats.largestBatch,
  };
}

/** The same rows through one prepared statement, 1,000 per transaction; only the SQLite work is timed. */
function runCeiling(db: Database, agentIds: string[], total: number): number {
  const insert = eventInserter(db);
  const seqs = new Array<number>(agentIds.length).fill(0);
  const raws = new Array<string>(1_000);
  let elapsed = 0;
  for (let done = 0; done < total; ) {
    const size = Math.min(1_000, total - done);
    for (let i = 0; i < size; i++) raws[i] = streamLine((done + i) % agentIds.length, seqs[(done + i) % agentIds.length]! + 1 + Math.floor(i / agentIds.length)).slice(0, -1);
    const ts = eventTimestamp();
    const started = performance.now();
    db.exec("BEGIN IMMEDIATE");
    for (let i = 0; i < size; i++) {
      const agent = (done + i) % agentIds.length;
      insert.run(orchestrationId, agentIds[agent]!, null, 1, ++seqs[agent]!, ts, "assistant", null, raws[i]!);
    }
    db.exec("COMMIT");
    elapsed += performance.now() - started;
    done += size;
  }
  return total / (elapsed / 1000);
}

interface Measurement {
  run: WriterRun;
  ceiling: number;
}

/** The whole measurement, in this process. */
async function measure(): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), "maos-bench-events-"));
  try {
    const db = openDatabase(join(dir, "writer.db"), { durability: "full" });
    const agentIds = seed(db);
    const run = await runWriter(db, agentIds);
    const stored = countEvents(db);
    const lowestLastSeq = db.query<{ n: number }, []>("SELECT MIN(last_seq) AS n FROM agents").get()!.n;
    db.close(false);
    if (stored !== producers * perAgent) throw new Error(`expected ${producers * perAgent} events, found ${stored}`);
    if (lowestLastSeq !== perAgent) throw new Error(`onFlush hook left agents.last_seq at ${lowestLastSeq}, expected ${perAgent}`);

    const ceilingDb = openDatabase(join(dir, "ceiling.db"), { durability: "full" });
    const ceiling = runCeiling(ceilingDb, seed(ceilingDb), stored);
    ceilingDb.close(false);
    return { run, ceiling };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function rows({ run, ceiling }: Measurement): BenchRow[] {
  const throughput = run.events / run.seconds;
  const batches = `${run.transactions} transactions, mean batch ${Math.round(run.events / run.transactions)}, largest ${run.largestBatch}`;
  return [
    {
      name: "events: committed/s via EventWriter (20 child processes, synchronous=FULL)",
      value: Math.round(throughput),
      unit: "events/s",
      target: "≥ 100000",
      pass: throughput >= 100_000,
      note: `${run.events} events of 300 B in ${run.seconds.toFixed(2)} s (first read → last commit; ${run.wallSeconds.toFixed(2)} s with spawning); ${batches}`,
    },
    { name: "events: read→commit latency p50", value: run.p50, unit: "ms" },
    { name: "events: read→commit latency p99", value: run.p99, unit: "ms", spread: `max ${run.max} ms`, target: "≤ 50", pass: run.p99 <= 50 },
    {
      name: "events: peak RSS of the ingesting process",
      value: Math.round(run.peakRssMb * 10) / 10,
      unit: "MB",
      target: "≤ 100",
      pass: run.peakRssMb <= 100,
      note: "a fresh bun process, sampled every 10 ms during the run",
    },
    {
      name: "events: ceiling, bare bun:sqlite loop (1,000-row transactions)",
      value: Math.round(ceiling),
      unit: "events/s",
      note: "same rows, one prepared statement, no reading or parsing; only BEGIN…COMMIT is timed",
    },
    { name: "events: EventWriter throughput / ceiling", value: Math.round((throughput / ceiling) * 1000) / 10, unit: "%" },
  ];
}

export default async function benchEvents(): Promise<BenchRow[]> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--measure"], { stdout: "pipe", stderr: "inherit" });
  const [output, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  if (code !== 0) throw new Error(`events measurement exited with ${code}`);
  return rows(JSON.parse(output) as Measurement);
}

if (import.meta.main) {
  if (process.argv.includes("--measure")) {
    process.stdout.write(JSON.stringify(await measure()));
  } else {
    for (const row of await benchEvents()) {
      const verdict = row.pass === undefined ? "" : row.pass ? "  PASS" : "  FAIL";
      const spread = row.spread ? ` (${row.spread})` : "";
      console.log(`${row.name}: ${row.value} ${row.unit}${spread}${row.target ? `, target ${row.target}` : ""}${verdict}${row.note ? `\n    ${row.note}` : ""}`);
    }
  }
}
