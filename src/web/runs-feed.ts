/** The runs list, pushed to every watching browser when anything in it changes (checked once a second). */
import { sseEvent, type SseConnection } from "./sse.ts";

export class RunsFeed {
  private readonly connections = new Set<SseConnection>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private last = "";

  constructor(
    private readonly read: () => unknown,
    private readonly intervalMs: number,
  ) {}

  add(connection: SseConnection): void {
    this.connections.add(connection);
    this.last = JSON.stringify(this.read());
    connection.write(sseEvent("runs", this.last));
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
  }

  remove(connection: SseConnection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    let now: string;
    try {
      now = JSON.stringify(this.read());
    } catch {
      return; // a failed read (busy disk, damaged row) is retried on the next tick
    }
    if (now === this.last) return;
    this.last = now;
    const message = sseEvent("runs", now);
    for (const c of this.connections) c.write(message);
  }
}
