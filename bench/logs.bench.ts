/**
 * `maos logs` on an orchestration of 1,000,000 events (20 agents): time until the first
 * transcript line reaches stdout, the total time to print them all, and the command's peak
 * RSS (paged reads: memory must not grow with the history).
 *
 *   bun run bench --only logs           MAOS_BENCH_LOG_EVENTS=200000 … a smaller run
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../src/store/db.ts";
import { ensureBinary } from "../test/support/binary.ts";
import { tempDir } from "../test/support/claude-env.ts";
import type { BenchRow } from "./index.ts";
import { benchAgents, insertBenchEvents, sampleRss, seedOrchestration } from "./support/observe-fixture.ts";

const events = Number(process.env.MAOS_BENCH_LOG_EVENTS ?? 1_000_000);
const runs = 3;

interface LogsRun {
  firstLineMs: number;
  totalMs: number;
  lines: number;
  peakRss: number;
}

async function timeLogs(bin: string, dbPath: string, id: string, args: string[]): Promise<LogsRun> {
  const started = performance.now();
  const child = Bun.spawn([bin, "logs", id, "--db", dbPath, ...args], { stdout: "pipe", stderr: "inherit", env: { ...process.env, NO_COLOR: "1" } });
  const rss = sampleRss(child.pid);
  let firstLineMs = -1;
  let lines = 0;
  for await (const chunk of child.stdout) {
    if (firstLineMs < 0 && chunk.includes(10)) firstLineMs = performance.now() - started;
    for (const byte of chunk) if (byte === 10) lines++;
  }
  const code = await child.exited;
  const totalMs = performance.now() - started;
  if (code !== 0) throw new Error(`maos logs exited ${code}`);
  return { firstLineMs, totalMs, lines, peakRss: rss.stop() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export default async function logsBench(): Promise<BenchRow[]> {
  const bin = ensureBinary();
  using dir = tempDir("maos-bench-logs-");
  const dbPath = join(dir.path, "maos.db");
  const db = openDatabase(dbPath, { durability: "normal" });
  const { id, agentIds } = seedOrchestration(db, 1);
  const generated = performance.now();
  insertBenchEvents(db, id, agentIds, Math.ceil(events / benchAgents));
  process.stderr.write(`bench: logs: ${events} events generated in ${((performance.now() - generated) / 1000).toFixed(1)} s\n`);
  db.close(false);

  const text: LogsRun[] = [];
  for (let i = 0; i < runs; i++) text.push(await timeLogs(bin, dbPath, id, []));
  const json = await timeLogs(bin, dbPath, id, ["--json"]);
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const firsts = text.map((r) => r.firstLineMs);
  const totals = text.map((r) => r.totalMs);
  const size = readFileSync(dbPath).byteLength;
  return [
    {
      name: `maos logs, ${events.toLocaleString("en-US")} events: first line`,
      value: Math.round(median(firsts)),
      unit: "ms",
      spread: `runs ${firsts.map((x) => Math.round(x)).join(", ")} ms`,
      target: "< 250 ms",
      pass: median(firsts) < 250,
    },
    {
      name: `maos logs, ${events.toLocaleString("en-US")} events: all printed`,
      value: Number((median(totals) / 1000).toFixed(1)),
      unit: "s",
      spread: `${Math.round(events / (median(totals) / 1000)).toLocaleString("en-US")} events/s; --json ${(json.totalMs / 1000).toFixed(1)} s`,
      note: `${text[0]!.lines.toLocaleString("en-US")} transcript lines from a ${mb(size)} MB database`,
    },
    {
      name: "maos logs peak RSS (paged reads)",
      value: mb(Math.max(...text.map((r) => r.peakRss), json.peakRss)),
      unit: "MB",
      target: "≤ 100 MB",
      pass: Math.max(...text.map((r) => r.peakRss), json.peakRss) <= 100 * 1024 * 1024,
    },
  ];
}

if (import.meta.main) console.log(await logsBench());
