/**
 * The live feed of one orchestration, shared by every browser watching it: one poller
 * reads the events committed since its last look (one indexed query every pollMs),
 * renders each once, and hands the batch to every subscriber. A subscriber first catches
 * up from its own cursor with paged reads, then joins the live feed; positions decide
 * what it gets, so it sees every event exactly once even when its catch-up overlaps the
 * live feed. Each SSE message's `id:` is the position of its last event: a reconnecting
 * browser sends it back as Last-Event-ID and continues right after it.
 */
import { MarkTracker } from "../observe/marks.ts";
import type { EventReader } from "../observe/source.ts";
import { transcriptEntry } from "../observe/transcript.ts";
import type { EventRow } from "../store/events.ts";
import { encodeText, sseEvent, type SseConnection } from "./sse.ts";

export interface RenderedEvent {
  position: number;
  agent: string;
  json: string;
}

interface Subscriber {
  connection: SseConnection;
  agent: string | null;
  cursor: number;
}

const pageSize = 500;
/** Most events handed on per tick, so one huge burst cannot stall the server. */
const maxPerTick = 20_000;
const stateEveryTicks = 4;

/** One event as the browser gets it: its transcript items and the separators before it. */
export function renderEvent(row: EventRow, tracker: MarkTracker): RenderedEvent {
  const entry = transcriptEntry(row);
  const marks = tracker.before(row);
  return { position: row.id, agent: entry.agent, json: JSON.stringify({ ...entry, marks }) };
}

function batchMessage(events: readonly RenderedEvent[]): string {
  return sseEvent("events", `[${events.map((e) => e.json).join(",")}]`, events.at(-1)!.position);
}

export class RunHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly tracker: MarkTracker;
  private lastId: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private ticks = 0;
  private signature: string;

  constructor(
    private readonly reader: EventReader,
    private readonly readerFor: (agent: string | null) => EventReader | null,
    private readonly signatureOf: () => string,
    private readonly pollMs: number,
    private readonly onIdle: (hub: RunHub) => void,
  ) {
    this.tracker = new MarkTracker(reader);
    this.lastId = reader.lastId();
    this.signature = signatureOf();
  }

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Sends everything after `afterId` (of one agent, or all), then keeps the connection in the
   * live feed. Catch-up pages yield to the event loop so a long history never blocks others.
   */
  async subscribe(connection: SseConnection, agent: string | null, afterId: number): Promise<void> {
    const reader = agent === null ? this.reader : this.readerFor(agent);
    if (!reader) return connection.close();
    const tracker = new MarkTracker(reader);
    let cursor = afterId;
    for (;;) {
      if (connection.isClosed) return;
      const rows = reader.page(cursor, pageSize);
      if (rows.length > 0) {
        cursor = rows.at(-1)!.id;
        connection.write(batchMessage(rows.map((r) => renderEvent(r, tracker))));
      }
      // Joining is synchronous with the last read: nothing committed in between can be missed.
      if (rows.length < pageSize || cursor >= this.lastId) break;
      await Bun.sleep(0);
    }
    if (connection.isClosed) return;
    this.subscribers.add({ connection, agent, cursor });
    connection.write(sseEvent("live", String(cursor)));
    this.timer ??= setInterval(() => this.guardedTick(), this.pollMs);
  }

  remove(connection: SseConnection): void {
    for (const s of this.subscribers) if (s.connection === connection) this.subscribers.delete(s);
    if (this.subscribers.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.onIdle(this);
  }

  /**
   * A failed read (the orchestration was cleaned up, the disk failed) must not take the
   * server down: the subscribers are disconnected and their browsers reconnect, getting a
   * 404 or a fresh catch-up.
   */
  private guardedTick(): void {
    try {
      this.tick();
    } catch {
      for (const s of [...this.subscribers]) s.connection.close();
      this.stop();
    }
  }

  private tick(): void {
    let sent = 0;
    while (sent < maxPerTick) {
      const rows = this.reader.page(this.lastId, pageSize);
      if (rows.length === 0) break;
      this.lastId = rows.at(-1)!.id;
      sent += rows.length;
      this.broadcast(rows.map((r) => renderEvent(r, this.tracker)));
    }
    if (++this.ticks % stateEveryTicks === 0) this.checkState();
  }

  private broadcast(events: RenderedEvent[]): void {
    let all: Uint8Array | null = null;
    for (const s of this.subscribers) {
      const fresh = events.filter((e) => e.position > s.cursor && (s.agent === null || e.agent === s.agent));
      s.cursor = Math.max(s.cursor, events.at(-1)!.position);
      if (fresh.length === 0) continue;
      // Subscribers that take everything share one encoded message.
      if (fresh.length === events.length) s.connection.write((all ??= encodeText(batchMessage(events))));
      else s.connection.write(batchMessage(fresh));
    }
  }

  private checkState(): void {
    const signature = this.signatureOf();
    if (signature === this.signature) return;
    this.signature = signature;
    const message = encodeText(sseEvent("state", JSON.stringify({ at: Date.now() })));
    for (const s of this.subscribers) s.connection.write(message);
  }
}
