/**
 * SSE fan-out: `maos serve` with 5 connected "browsers" (separate processes reading the
 * run's event stream) while 20 agents stream flat out into the database from another
 * process. Reports the events/s delivered (all clients together), the server's peak RSS
 * and the lag from an event's commit to its arrival at a client (p50 / p99, per event).
 *
 *   bun run bench --only serve          MAOS_BENCH_SSE_SECONDS=5 … a shorter run
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { openDatabase } from "../src/store/db.ts";
import { ensureBinary } from "../test/support/binary.ts";
import { tempDir } from "../test/support/claude-env.ts";
import type { BenchRow } from "./index.ts";
import { sampleRss, seedOrchestration } from "./support/observe-fixture.ts";

const clients = Number(process.env.MAOS_BENCH_SSE_CLIENTS ?? 5);
const seconds = Number(process.env.MAOS_BENCH_SSE_SECONDS ?? 10);
const token = "bench-token-0123456789abcdef";
const support = join(import.meta.dir, "support");

async function startServe(bin: string, dbPath: string): Promise<{ proc: ReturnType<typeof Bun.spawn>; origin: string }> {
  const proc = Bun.spawn([bin, "serve", "--port", "0", "--db", dbPath], { env: { ...process.env, MAOS_SERVE_TOKEN: token }, stdout: "pipe", stderr: "ignore" });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("maos serve exited before printing its URL");
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { proc, origin: new URL(/http:\/\/\S+/.exec(out)![0]).origin };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export default async function serveBench(): Promise<BenchRow[]> {
  const bin = ensureBinary();
  using dir = tempDir("maos-bench-sse-");
  const dbPath = join(dir.path, "maos.db");
  const setup = openDatabase(dbPath);
  const { id, agentIds } = seedOrchestration(setup, process.pid);
  setup.close(false);

  const serve = await startServe(bin, dbPath);
  try {
    return await measure(serve, dbPath, id, agentIds);
  } finally {
    serve.proc.kill("SIGINT");
    await serve.proc.exited;
  }
}

async function measure(serve: { proc: ReturnType<typeof Bun.spawn>; origin: string }, dbPath: string, id: string, agentIds: string[]): Promise<BenchRow[]> {
  const rss = sampleRss(serve.proc.pid!);
  const readers = Array.from({ length: clients }, () =>
    Bun.spawn([process.execPath, join(support, "sse-client.ts"), `${serve.origin}/api/runs/${id}/stream`, token], { stdout: "pipe", stderr: "inherit" }),
  );
  try {
    return await fanOut(readers, dbPath, id, agentIds, rss);
  } finally {
    for (const r of readers) r.kill("SIGKILL");
  }
}

async function fanOut(readers: ReturnType<typeof Bun.spawn>[], dbPath: string, id: string, agentIds: string[], rss: { stop(): number }): Promise<BenchRow[]> {
  await Bun.sleep(500); // let every client connect and join the live feed

  const started = performance.now();
  const flood = Bun.spawn([process.execPath, join(support, "event-flood.ts"), dbPath, id, String(seconds * 1000), ...agentIds], { stdout: "pipe", stderr: "inherit" });
  const { total: written, commits } = JSON.parse(await new Response(flood.stdout).text()) as { total: number; commits: [number, number][] };
  await flood.exited;
  const floodMs = performance.now() - started;

  // Let the clients drain what is still in flight, then collect their arrival logs.
  const db = new Database(dbPath, { readonly: true });
  const lastId = db.query<{ id: number }, []>("SELECT MAX(id) AS id FROM events").get()!.id;
  await Bun.sleep(1500);
  const logs = await Promise.all(
    readers.map(async (r) => {
      r.kill("SIGTERM");
      return JSON.parse(await new Response(r.stdout as ReadableStream).text()) as { arrivals: [number, number, number][]; reconnects: number };
    }),
  );
  const peakRss = rss.stop();

  // Per event: arrival time minus the time its transaction committed.
  const commitMs = new Float64Array(lastId + 1);
  let from = 1;
  for (const [last, at] of commits) {
    commitMs.fill(at, from, last + 1);
    from = last + 1;
  }
  db.close(false);
  let delivered = 0;
  let lastArrival = 0;
  let complete = 0;
  const lags: number[] = [];
  let reconnects = 0;
  for (const log of logs) {
    let previous = 0;
    reconnects += log.reconnects;
    for (const [position, count, at] of log.arrivals) {
      const lag = at - commitMs[previous + 1]!;
      for (let i = 0; i < count; i++) lags.push(lag);
      delivered += count;
      previous = position;
      lastArrival = Math.max(lastArrival, at);
    }
    if (previous === lastId) complete++;
  }
  const sorted = Float64Array.from(lags).sort();
  const p50 = percentile(sorted, 0.5);
  const p99 = percentile(sorted, 0.99);
  const rate = Math.round(delivered / (floodMs / 1000));
  return [
    {
      name: `SSE fan-out: events/s delivered (20 agents flat out, ${clients} clients)`,
      value: rate,
      unit: "events/s",
      spread: `${Math.round(written / (floodMs / 1000)).toLocaleString("en-US")} written/s; ${complete}/${clients} clients got all ${written.toLocaleString("en-US")}; ${reconnects} reconnects of slow clients`,
      pass: complete === clients,
      target: "every client gets every event",
    },
    { name: "SSE lag, commit → client, p50 / p99", value: Math.round(p99), unit: "ms (p99)", spread: `p50 ${Math.round(p50)} ms`, target: "p99 ≤ 250 ms", pass: p99 <= 250 },
    { name: "maos serve peak RSS during the fan-out", value: Math.round(peakRss / 1024 / 1024), unit: "MB", target: "≤ 200 MB", pass: peakRss <= 200 * 1024 * 1024 },
  ];
}

if (import.meta.main) console.log(await serveBench());
