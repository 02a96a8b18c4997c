import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventWriter, eventTimestamp, type QueuedEvent } from "../../src/agents/event-writer.ts";
import { insertAgent, touchAgent, getAgent } from "../../src/store/agents.ts";
import { openDatabase } from "../../src/store/db.ts";
import { countEvents, listEvents, listOrchestrationEvents } from "../../src/store/events.ts";
import { defaultRunOptions, insertOrchestration } from "../../src/store/orchestrations.ts";
import { insertTask } from "../../src/store/tasks.ts";
import { sqlNow } from "../../src/store/time.ts";
import { scaled } from "../support/machine.ts";

const orchestrationId = "orch-writer";
let dir: string;
let path: string;
let db: Database;
let agents: string[];

/** A fresh database with one orchestration and three agents (events need their parents). */
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "maos-writer-"));
  path = join(dir, "maos.db");
  db = openDatabase(path, { busyTimeoutMs: 20 });
  insertOrchestration(db, {
    id: orchestrationId,
    request: "test",
    cwd: dir,
    claudeConfigDir: null,
    ownerPid: process.pid,
    ownerHost: "test",
    saveIntervalS: 30,
    options: { ...defaultRunOptions, maxParallel: 4, retries: 0 },
  });
  agents = ["api", "ui", "db"].map((key, position) => {
    const taskId = insertTask(db, { orchestrationId, key, position, agentType: "developer", description: key, dependsOn: [] });
    insertAgent(db, { id: taskId, name: key, type: "developer", orchestrationId, taskId, capabilities: [], source: "builtin" });
    return taskId;
  });
});

afterEach(() => {
  db.close(false);
  rmSync(dir, { recursive: true, force: true });
});

const seqs = new Map<string, number>();
beforeEach(() => seqs.clear());

function event(agentId = agents[0]!, raw = '{"type":"assistant"}'): QueuedEvent {
  const seq = (seqs.get(agentId) ?? 0) + 1;
  seqs.set(agentId, seq);
  return { orchestration_id: orchestrationId, agent_id: agentId, session_id: "s-1", attempt: 1, seq, ts: sqlNow(), type: "assistant", subtype: null, raw, readAt: performance.now() };
}

/** Waits for a condition the writer reaches on its own (polled, bounded). */
async function until(condition: () => boolean, timeoutMs = scaled(5_000)): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not reached in time");
    await Bun.sleep(1);
  }
}

/** Resolves on the next committed batch. */
function nextCommit(writer: EventWriter): Promise<readonly QueuedEvent[]> {
  return new Promise((resolve) => {
    const remove = writer.onCommitted((batch) => {
      remove();
      resolve(batch);
    });
  });
}

describe("EventWriter", () => {
  test("N pushes take at most ceil(N / maxBatch) + 1 transactions", async () => {
    const writer = new EventWriter(db, { maxBatch: 100, maxDelayMs: 1_000 });
    const n = 1_050;
    for (let i = 0; i < n; i++) expect(writer.push(event(agents[i % 3]))).toBeUndefined();
    await writer.close();
    expect(countEvents(db)).toBe(n);
    expect(writer.stats.transactions).toBeLessThanOrEqual(Math.ceil(n / 100) + 1);
    expect(writer.stats.rows).toBe(n);
  });

  test("a flat-out ingest gets one full garbage collection per collectEveryRows committed rows", async () => {
    const gc = spyOn(Bun, "gc");
    try {
      const writer = new EventWriter(db, { maxBatch: 10, maxDelayMs: 60_000, collectEveryRows: 25 });
      for (let i = 0; i < 100; i++) writer.push(event(agents[i % 3]));
      await writer.close();
      expect(gc.mock.calls).toEqual([[true], [true], [true], [true]]);
    } finally {
      gc.mockRestore();
    }
  });

  test("a full batch is written at once, without waiting for the timer", () => {
    const writer = new EventWriter(db, { maxBatch: 10, maxDelayMs: 60_000 });
    for (let i = 0; i < 10; i++) writer.push(event());
    expect(countEvents(db)).toBe(10);
    expect(writer.queued).toBe(0);
    return writer.close();
  });

  test("the timer commits a partial batch without an explicit flush", async () => {
    const writer = new EventWriter(db, { maxDelayMs: 5 });
    const committed = nextCommit(writer);
    writer.push(event());
    writer.push(event());
    expect(countEvents(db)).toBe(0);
    expect((await committed).length).toBe(2);
    expect(countEvents(db)).toBe(2);
    // A second connection sees the rows: they are committed, not just written.
    const other = openDatabase(path);
    expect(countEvents(other)).toBe(2);
    other.close(false);
    await writer.close();
  });

  test("over maxQueued, push returns a promise that resolves once the queue is written", async () => {
    const locker = openDatabase(path);
    locker.exec("BEGIN IMMEDIATE"); // the write lock is taken, so the queue can only grow
    const writer = new EventWriter(db, { maxBatch: 5, maxQueued: 20, maxDelayMs: 1, busyRetryMs: 5 });
    const results: (void | Promise<void>)[] = [];
    for (let i = 0; i < 25; i++) results.push(writer.push(event()));
    expect(results.slice(0, 20).every((r) => r === undefined)).toBe(true);
    const pressure = results.slice(20);
    expect(pressure.every((r) => r instanceof Promise)).toBe(true);
    let released = false;
    const done = Promise.all(pressure).then(() => released);
    await until(() => writer.stats.busyRetries >= 2);
    expect(countEvents(db)).toBe(0);
    released = true;
    locker.exec("COMMIT");
    expect(await done).toBe(true);
    expect(countEvents(db)).toBe(25);
    expect(writer.queued).toBe(0);
    locker.close(false);
    await writer.close();
  });

  test("SQLITE_BUSY beyond busy_timeout is retried and nothing is lost", async () => {
    const writer = new EventWriter(db, { maxDelayMs: 1, busyRetryMs: 5 });
    const locker = openDatabase(path);
    locker.exec("BEGIN IMMEDIATE");
    for (let i = 0; i < 50; i++) writer.push(event(agents[i % 3]));
    await until(() => writer.stats.busyRetries >= 3);
    expect(writer.error).toBeUndefined();
    const committed = nextCommit(writer);
    locker.exec("COMMIT");
    await committed;
    expect(countEvents(db)).toBe(50);
    locker.close(false);
    await writer.close();
  });

  test("close() flushes everything, stops the timer, and is idempotent", async () => {
    const writer = new EventWriter(db, { maxDelayMs: 60_000, maxBatch: 1_000 });
    for (let i = 0; i < 123; i++) writer.push(event(agents[i % 3]));
    const first = writer.close();
    expect(writer.close()).toBe(first);
    await first;
    expect(countEvents(db)).toBe(123);
    expect(() => writer.push(event())).toThrow("after close");
  });

  test("onFlush hooks run inside the flush transaction", async () => {
    const writer = new EventWriter(db, { maxDelayMs: 60_000 });
    const seen: number[] = [];
    writer.onFlush((batch, hookDb) => {
      // The batch's rows are visible to the hook: same transaction.
      seen.push(countEvents(hookDb));
      const last = new Map<string, number>();
      for (const e of batch) last.set(e.agent_id, e.seq);
      for (const [agentId, seq] of last) touchAgent(hookDb, agentId, seq, null);
    });
    for (let i = 0; i < 7; i++) writer.push(event(agents[0]));
    await writer.flush();
    expect(seen).toEqual([7]);
    expect(getAgent(db, agents[0]!)!.last_seq).toBe(7);
    await writer.close();
  });

  test("a throwing onFlush hook rolls its batch back and the error surfaces", async () => {
    const errors: unknown[] = [];
    const writer = new EventWriter(db, { maxDelayMs: 60_000, onError: (e) => errors.push(e) });
    writer.push(event());
    await writer.flush();
    expect(countEvents(db)).toBe(1);

    const boom = new Error("derived row failed");
    writer.onFlush((batch, hookDb) => {
      touchAgent(hookDb, batch[0]!.agent_id, 999, "should roll back");
      throw boom;
    });
    writer.push(event());
    writer.push(event());
    await expect(writer.flush()).rejects.toBe(boom);
    expect(countEvents(db)).toBe(1); // the failed batch's events are not committed
    expect(getAgent(db, agents[0]!)!.last_seq).toBe(0); // nor the hook's own writes
    expect(errors).toEqual([boom]);
    expect(writer.error).toBe(boom);
    expect(writer.queued).toBe(2); // kept, not dropped
    expect(() => writer.push(event())).toThrow(boom);
    await expect(writer.close()).rejects.toBe(boom);
  });

  test("a failure in a timer flush reaches onError and rejects waiting producers", async () => {
    const reported: unknown[] = [];
    const writer = new EventWriter(db, { maxDelayMs: 1, maxBatch: 1_000, maxQueued: 1, onError: (e) => reported.push(e) });
    writer.onFlush(() => {
      throw new Error("hook");
    });
    expect(writer.push(event())).toBeUndefined();
    const pressure = writer.push(event());
    expect(pressure).toBeInstanceOf(Promise);
    await expect(pressure as Promise<void>).rejects.toThrow("hook");
    expect(reported.map((e) => (e as Error).message)).toEqual(["hook"]);
    expect(countEvents(db)).toBe(0);
  });

  test("when the flush a full batch triggers fails, push itself throws", () => {
    const writer = new EventWriter(db, { maxBatch: 2, maxDelayMs: 60_000 });
    writer.onFlush(() => {
      throw new Error("hook");
    });
    writer.push(event());
    expect(() => writer.push(event())).toThrow("hook");
    expect(countEvents(db)).toBe(0);
    expect(writer.queued).toBe(2);
  });

  test("a constraint violation (duplicate seq) fails loudly instead of dropping rows", async () => {
    const writer = new EventWriter(db, { maxDelayMs: 60_000 });
    const e = event();
    writer.push(e);
    writer.push({ ...e });
    await expect(writer.flush()).rejects.toThrow("UNIQUE");
    expect(countEvents(db)).toBe(0);
  });

  test("per-agent sequence order is preserved across interleaved producers and batches", async () => {
    const writer = new EventWriter(db, { maxBatch: 37, maxDelayMs: 2 });
    const producers = agents.map(async (agentId, index) => {
      for (let i = 0; i < 300; i++) {
        const pressure = writer.push(event(agentId, `{"n":${i}}`));
        if (pressure) await pressure;
        if (i % (7 + index) === 0) await Bun.sleep(0);
      }
    });
    await Promise.all(producers);
    await writer.close();
    for (const agentId of agents) {
      const rows = listEvents(db, agentId);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(rows.map((r) => r.raw)).toEqual(Array.from({ length: 300 }, (_, i) => `{"n":${i}}`));
    }
    // Insertion order (id) follows seq within each agent.
    const all = listOrchestrationEvents(db, orchestrationId);
    const last = new Map<string, number>();
    for (const row of all) {
      expect(row.seq).toBe((last.get(row.agent_id) ?? 0) + 1);
      last.set(row.agent_id, row.seq);
    }
  });

  test("onCommitted reports the commit time for latency metrics", async () => {
    const writer = new EventWriter(db, { maxDelayMs: 5 });
    const e = event();
    const committed = new Promise<number>((resolve) => writer.onCommitted((_, at) => resolve(at)));
    writer.push(e);
    const at = await committed;
    expect(at).toBeGreaterThanOrEqual(e.readAt!);
    expect(at - e.readAt!).toBeLessThan(scaled(1_000));
    await writer.close();
  });
});

test("eventTimestamp is sqlNow's format, computed once per millisecond", () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  expect(eventTimestamp(at)).toBe("2026-01-02 03:04:05.678");
  expect(eventTimestamp(at)).toBe(eventTimestamp(at));
  expect(eventTimestamp(at + 1)).toBe("2026-01-02 03:04:05.679");
  expect(eventTimestamp()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
});
