/**
 * One Server-Sent Events connection. Writes are dropped into the stream's queue; a client
 * that falls more than maxBufferedBytes behind is disconnected instead of growing the
 * server's memory: its browser reconnects with Last-Event-ID and catches up from the
 * database, missing nothing.
 */
const encoder = new TextEncoder();
const maxBufferedBytes = 8 * 1024 * 1024;
const keepAliveMs = 15_000;

export class SseConnection {
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private closed = false;
  private readonly keepAlive: ReturnType<typeof setInterval>;
  readonly response: Response;

  constructor(private readonly onClose: () => void) {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => this.close(),
      },
      { highWaterMark: maxBufferedBytes, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    this.response = new Response(stream, {
      headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" },
    });
    this.keepAlive = setInterval(() => this.write(": keep-alive\n\n"), keepAliveMs);
    // Tells the browser how long to wait before reconnecting after the stream ends.
    this.write("retry: 500\n\n");
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(chunk: string | Uint8Array): void {
    if (this.closed || !this.controller) return;
    if ((this.controller.desiredSize ?? 0) <= 0) {
      this.close();
      return;
    }
    try {
      this.controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    } catch {
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    try {
      this.controller?.close();
    } catch {
      // already closed by the client
    }
    this.onClose();
  }
}

export function sseEvent(event: string, data: string, id?: number): string {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`;
}

export const encodeText = (text: string) => encoder.encode(text);
