/**
 * What the agent supervisor (`maos __supervise`, src/system/supervisor.ts) costs each agent:
 * the start-up latency it adds (`/bin/true` run through it vs run directly, interleaved
 * pairs, compiled binary) and its resident memory while it watches a child.
 */
import { readFileSync } from "node:fs";
import { ensureBinary } from "../test/support/binary.ts";
import { descendants } from "../src/system/processes.ts";
import type { BenchRow } from "./index.ts";

const pairs = 31;
const warmups = 3;
const latencyTargetMs = 50;
const rssTargetMb = 64;

async function timed(argv: string[]): Promise<number> {
  const t0 = performance.now();
  const proc = Bun.spawn(argv, { cwd: "/", stdout: "ignore", stderr: "inherit" });
  await proc.exited;
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function rssMb(maos: string): Promise<number> {
  const proc = Bun.spawn([maos, "__supervise", String(process.pid), "/", "--", "sleep", "30"], { cwd: "/" });
  try {
    // Measured once its child runs: the supervisor is then as large as it gets while it waits.
    for (let i = 0; i < 500 && descendants(proc.pid).length === 0; i++) await Bun.sleep(10);
    await Bun.sleep(200);
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))![1]);
    return kb / 1024;
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

export default async function supervisorBench(): Promise<BenchRow[]> {
  const maos = ensureBinary();
  const supervised = [maos, "__supervise", String(process.pid), "/", "--", "/bin/true"];
  for (let i = 0; i < warmups; i++) await timed(supervised);
  const direct: number[] = [];
  const through: number[] = [];
  for (let i = 0; i < pairs; i++) {
    direct.push(await timed(["/bin/true"]));
    through.push(await timed(supervised));
  }
  const added = through.map((t, i) => t - direct[i]!);
  const rss = await rssMb(maos);
  return [
    {
      name: "agent start-up added by the supervisor",
      value: Math.round(median(added) * 10) / 10,
      unit: "ms",
      spread: `p10–p90 ${pct(added, 0.1).toFixed(1)}–${pct(added, 0.9).toFixed(1)} ms`,
      target: `< ${latencyTargetMs} ms`,
      pass: median(added) < latencyTargetMs,
      note: `${pairs} interleaved pairs: /bin/true through dist/maos __supervise (median ${median(through).toFixed(1)} ms) vs directly (${median(direct).toFixed(1)} ms)`,
    },
    {
      name: "supervisor RSS while it watches an agent",
      value: Math.round(rss * 10) / 10,
      unit: "MB",
      target: `< ${rssTargetMb} MB`,
      pass: rss < rssTargetMb,
      note: "VmRSS of dist/maos __supervise -- sleep 30, once the child runs",
    },
  ];
}
