/**
 * An opt-in measurement of event ingestion for `bun run bench`: with
 * MAOS_INGEST_METRICS=<file>, every committed batch is counted (rows, first line read,
 * first and last commit, read→commit latency in a fixed histogram) and, when the
 * process exits, the totals and the process's peak RSS (VmHWM) are written to <file>
 * as one JSON object. Unset, nothing is attached, so the real path pays nothing; set,
 * each row costs one histogram increment, so measuring does not slow what it measures.
 */
import { readFileSync, writeFileSync } from "node:fs";

export interface IngestMetrics {
  rows: number;
  transactions: number;
  /** performance.now() of the earliest line read, and of the first and last commit. */
  firstReadMs: number;
  firstCommitMs: number;
  lastCommitMs: number;
  /** Read→commit latency quantiles in ms (0.1 ms buckets). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Peak resident set size of the process (VmHWM), in KiB; null where /proc is missing. */
  peakRssKb: number | null;
}

export const ingestMetricsEnv = "MAOS_INGEST_METRICS";

const bucketsPerMs = 10;
const maxTrackedMs = 10_000;

export class IngestRecorder {
  private readonly buckets = new Uint32Array(maxTrackedMs * bucketsPerMs + 1);
  private rows = 0;
  private transactions = 0;
  private firstReadMs = Number.POSITIVE_INFINITY;
  private firstCommitMs = 0;
  private lastCommitMs = 0;

  /** One committed batch: `readAt` of each row (rows without one count but add no latency). */
  record(batch: readonly { readAt?: number }[], commitMs: number): void {
    if (this.transactions++ === 0) this.firstCommitMs = commitMs;
    this.lastCommitMs = commitMs;
    this.rows += batch.length;
    const top = this.buckets.length - 1;
    for (const event of batch) {
      const readAt = event.readAt;
      if (readAt === undefined) continue;
      if (readAt < this.firstReadMs) this.firstReadMs = readAt;
      const bucket = Math.floor((commitMs - readAt) * bucketsPerMs);
      this.buckets[bucket < 0 ? 0 : bucket > top ? top : bucket]!++;
    }
  }

  snapshot(): IngestMetrics {
    return {
      rows: this.rows,
      transactions: this.transactions,
      firstReadMs: Number.isFinite(this.firstReadMs) ? this.firstReadMs : this.firstCommitMs,
      firstCommitMs: this.firstCommitMs,
      lastCommitMs: this.lastCommitMs,
      p50Ms: this.quantile(0.5),
      p99Ms: this.quantile(0.99),
      maxMs: this.quantile(1),
      peakRssKb: peakRssKb(),
    };
  }

  private quantile(q: number): number {
    let total = 0;
    for (const n of this.buckets) total += n;
    if (total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return (i + 1) / bucketsPerMs;
    }
    return maxTrackedMs;
  }
}

/** VmHWM of this process in KiB (Linux), or null. */
export function peakRssKb(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

let recorder: IngestRecorder | null | undefined;

/**
 * The process-wide recorder when MAOS_INGEST_METRICS names a file, else null. The file
 * is written at exit (process.exit included), after the last commit.
 */
export function ingestRecorder(env: NodeJS.ProcessEnv = process.env): IngestRecorder | null {
  if (recorder !== undefined) return recorder;
  const file = env[ingestMetricsEnv];
  if (!file) return (recorder = null);
  const created = new IngestRecorder();
  recorder = created;
  process.on("exit", () => {
    try {
      writeFileSync(file, `${JSON.stringify(created.snapshot())}\n`);
    } catch {
      // A measurement aid: never turn a finished run into a failure.
    }
  });
  return created;
}
