import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { IngestRecorder, type IngestMetrics } from "../../src/agents/ingest-metrics.ts";
import { tempDir } from "../support/claude-env.ts";

describe("ingestion metrics (MAOS_INGEST_METRICS)", () => {
  test("counts rows and batches, keeps the first read and last commit, and gives read→commit quantiles", () => {
    const recorder = new IngestRecorder();
    // 99 rows read 2 ms before their commit, one 40 ms before.
    recorder.record(Array.from({ length: 50 }, () => ({ readAt: 98 })), 100);
    recorder.record([...Array.from({ length: 49 }, () => ({ readAt: 198 })), { readAt: 160 }, {}], 200);
    const m = recorder.snapshot();
    expect(m).toMatchObject({ rows: 101, transactions: 2, firstReadMs: 98, firstCommitMs: 100, lastCommitMs: 200 });
    expect(m.p50Ms).toBeCloseTo(2.1, 5);
    expect(m.p99Ms).toBeCloseTo(2.1, 5);
    expect(m.maxMs).toBeCloseTo(40.1, 5);
  });

  test("set, the writer of a maos process reports at exit; unset, nothing is written", async () => {
    using dir = tempDir("maos-metrics-");
    const file = join(dir.path, "metrics.json");
    const script = `
      const { ingestRecorder } = await import(${JSON.stringify(join(import.meta.dir, "../../src/agents/ingest-metrics.ts"))});
      ingestRecorder()?.record([{ readAt: 1 }, { readAt: 2 }], 5);
      process.exit(0);`;
    const run = (env: Record<string, string>) =>
      Bun.spawn([process.execPath, "-e", script], { env: { ...process.env, ...env }, stdout: "ignore", stderr: "inherit" }).exited;
    expect(await run({ MAOS_INGEST_METRICS: "" })).toBe(0);
    expect(await Bun.file(file).exists()).toBe(false);
    expect(await run({ MAOS_INGEST_METRICS: file })).toBe(0);
    const m = (await Bun.file(file).json()) as IngestMetrics;
    expect(m).toMatchObject({ rows: 2, transactions: 1, firstReadMs: 1, lastCommitMs: 5 });
    expect(m.peakRssKb).toBeGreaterThan(0);
  });
});
