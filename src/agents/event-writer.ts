/**
 * Group commit for agent stream lines. Rows are queued and written together in one
 * transaction, either `maxDelayMs` after the first queued row or as soon as
 * `maxBatch` are waiting, so throughput stays near SQLite's batch limit while each
 * line is durable within tens of milliseconds.
 *
 * Durability contract: a line is durable once its batch commits. A process killed
 * with SIGKILL loses at most the rows still queued, i.e. the last ≤ maxDelayMs
 * (25 ms by default) of lines — which the agent's own transcript still holds. A
 * process exiting normally must `await writer.close()`, which commits everything.
 *
 * Failure: SQLITE_BUSY (another process held the write lock past busy_timeout) is
 * retried with backoff, never dropping a row. Any other failure — including an
 * onFlush hook throwing — rolls the batch back, keeps its rows queued, and stops the
 * writer: the error goes to `onError`, rejects back-pressure promises and every
 * later `flush()`/`close()`, and is thrown by the next `push()`.
 */
import type { Database, Statement } from "bun:sqlite";
import { eventInserter, insertEvent, type NewEvent } from "../store/events.ts";
import { ingestRecorder } from "./ingest-metrics.ts";
import { GcPacer } from "./gc-pacer.ts";
import { sqlNow } from "../store/time.ts";
import { transaction } from "../store/tx.ts";

export interface QueuedEvent extends NewEvent {
  /** performance.now() when the line was read, for latency metrics; not stored. */
  readAt?: number;
}

export interface EventWriterOptions {
  /** Longest a queued row waits for its commit when nothing else triggers one (default 25). */
  maxDelayMs?: number;
  /**
   * Queue length that triggers a flush at once (default 1,000). A flush writes the whole queue.
   * With 500, 20 agents streaming flat out spent more time in COMMIT (an fsync each) and
   * reached 0.49 of the bare-SQLite ceiling, against 0.66 with 1,000, and a lower p99.
   */
  maxBatch?: number;
  /** Queue length beyond which push() returns a promise the producer must await (default 20,000). */
  maxQueued?: number;
  /** Backoff after SQLITE_BUSY: starts here and doubles up to 1 s (default 10). */
  busyRetryMs?: number;
  /** Told about a fatal write failure, and about errors thrown by onCommitted observers. */
  onError?: (error: unknown) => void;
  /** Committed rows between two full garbage collections (default 4,000; see gc-pacer.ts). */
  collectEveryRows?: number;
}

/** Runs inside the flush transaction after the inserts; throwing rolls the batch back. */
export type FlushHook = (batch: readonly QueuedEvent[], db: Database) => void;
/** Runs after a batch committed; commitTimeMs is performance.now() at the commit. */
export type CommitObserver = (batch: readonly QueuedEvent[], commitTimeMs: number) => void;

export interface EventWriterStats {
  transactions: number;
  rows: number;
  busyRetries: number;
  largestBatch: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

type FlushOutcome = "committed" | "idle" | "busy" | "failed";

const maxBusyBackoffMs = 1_000;

export class EventWriter {
  private readonly insert: Statement;
  private readonly maxDelayMs: number;
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  private readonly busyRetryMs: number;
  private readonly onErrorCallback: ((error: unknown) => void) | undefined;
  private readonly hooks: FlushHook[] = [];
  private readonly observers: CommitObserver[] = [];

  private queue: QueuedEvent[] = [];
  private waiters: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Set while waiting to retry after SQLITE_BUSY: no flush is attempted before it fires. */
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private backoffMs: number;
  private flushing = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;
  private readonly counters: EventWriterStats = { transactions: 0, rows: 0, busyRetries: 0, largestBatch: 0 };
  private readonly gc: GcPacer;

  constructor(
    private readonly db: Database,
    options: EventWriterOptions = {},
  ) {
    this.maxDelayMs = options.maxDelayMs ?? 25;
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxQueued = options.maxQueued ?? 20_000;
    this.busyRetryMs = options.busyRetryMs ?? 10;
    this.backoffMs = this.busyRetryMs;
    this.onErrorCallback = options.onError;
    this.insert = eventInserter(db);
    this.gc = new GcPacer(options.collectEveryRows);
    const metrics = ingestRecorder();
    if (metrics) this.observers.push((batch, at) => metrics.record(batch, at));
  }

  /**
   * Queues one row. Returns a promise only when the queue is over maxQueued: await it
   * (stop reading that agent's stdout) until the queue has been written.
   */
  push(event: QueuedEvent): void | Promise<void> {
    if (this.failure) throw this.failure.error;
    if (this.closed) throw new Error("EventWriter.push after close()");
    this.queue.push(event);
    if (this.retryTimer === null) {
      if (this.queue.length >= this.maxBatch) {
        if (this.flushNow() === "failed") throw this.error;
      } else if (this.timer === null) this.timer = setTimeout(this.onTimer, this.maxDelayMs);
    }
    if (this.queue.length <= this.maxQueued) return;
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Writes everything queued now (retrying through SQLITE_BUSY). */
  async flush(): Promise<void> {
    if (this.flushing) throw new Error("EventWriter.flush() called from inside an onFlush hook");
    for (;;) {
      this.clearRetry();
      const outcome = this.flushNow();
      if (outcome === "failed") throw this.error;
      if (outcome !== "busy") return;
      await Bun.sleep(this.backoffMs);
    }
  }

  /** Commits everything queued and stops the timers. Idempotent; no push() after it. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.flush().finally(() => {
      this.clearTimer();
      this.clearRetry();
    });
    return this.closing;
  }

  /** Adds a hook run inside each flush transaction; returns its remover. */
  onFlush(hook: FlushHook): () => void {
    return addTo(this.hooks, hook);
  }

  /** Adds an observer of committed batches; returns its remover. */
  onCommitted(observer: CommitObserver): () => void {
    return addTo(this.observers, observer);
  }

  get queued(): number {
    return this.queue.length;
  }

  get stats(): Readonly<EventWriterStats> {
    return { ...this.counters };
  }

  /** The fatal error that stopped the writer, if any. */
  get error(): unknown {
    return this.failure?.error;
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.flushNow();
  };

  private readonly onRetry = (): void => {
    this.retryTimer = null;
    this.flushNow();
  };

  /** One attempt to write the whole queue in one transaction. Never throws. */
  private flushNow(): FlushOutcome {
    if (this.failure) return "failed";
    if (this.flushing || this.queue.length === 0) return "idle";
    this.clearTimer();
    const batch = this.queue;
    this.queue = [];
    this.flushing = true;
    try {
      transaction(this.db, () => {
        for (const event of batch) insertEvent(this.insert, event);
        for (const hook of this.hooks) hook(batch, this.db);
      });
    } catch (error) {
      // Rolled back: the rows go back to the head of the queue, in order.
      this.queue = this.queue.length === 0 ? batch : batch.concat(this.queue);
      if (isBusy(error)) {
        this.counters.busyRetries++;
        if (!this.closed) this.retryTimer = setTimeout(this.onRetry, this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, maxBusyBackoffMs);
        return "busy";
      }
      this.fail(error);
      return "failed";
    } finally {
      this.flushing = false;
    }
    this.committed(batch, performance.now());
    this.gc.committed(batch.length);
    return "committed";
  }

  private committed(batch: QueuedEvent[], commitTimeMs: number): void {
    this.backoffMs = this.busyRetryMs;
    this.counters.transactions++;
    this.counters.rows += batch.length;
    if (batch.length > this.counters.largestBatch) this.counters.largestBatch = batch.length;
    for (const observer of this.observers) {
      try {
        observer(batch, commitTimeMs);
      } catch (error) {
        this.onErrorCallback?.(error);
      }
    }
    if (this.queue.length <= this.maxQueued && this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const waiter of waiters) waiter.resolve();
    }
    // Rows pushed by a hook or an observer wait for the next round.
    if (this.queue.length > 0 && this.timer === null && !this.closed) this.timer = setTimeout(this.onTimer, this.maxDelayMs);
  }

  private fail(error: unknown): void {
    this.failure = { error };
    this.clearTimer();
    this.clearRetry();
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
    this.onErrorCallback?.(error);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}

let clockMs = -1;
let clockText = "";

/** sqlNow() for the `ts` of stream lines: it is on the per-line path, so it is recomputed at most once per millisecond. */
export function eventTimestamp(nowMs: number = Date.now()): string {
  if (nowMs !== clockMs) {
    clockMs = nowMs;
    clockText = sqlNow(new Date(nowMs));
  }
  return clockText;
}

function addTo<T>(list: T[], item: T): () => void {
  list.push(item);
  return () => {
    const index = list.indexOf(item);
    if (index !== -1) list.splice(index, 1);
  };
}

/** SQLITE_BUSY and its extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT). */
function isBusy(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === "string") return code.startsWith("SQLITE_BUSY");
  return typeof errno === "number" && (errno & 0xff) === 5;
}
