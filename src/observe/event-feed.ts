/**
 * Reads an orchestration's events in pages from a cursor, and in follow mode keeps
 * polling for new ones until the orchestration reaches a final state (or the signal
 * aborts). Memory stays one page whatever the history's size.
 */
import type { EventRow } from "../store/events.ts";
import type { EventReader } from "./source.ts";

export interface FeedOptions {
  /** Start after this position. */
  afterId: number;
  follow: boolean;
  /** How often follow mode looks for new events (default 50 ms: well inside the 200 ms promise). */
  pollMs?: number;
  /** The first page is small so the first line appears at once; later pages are larger. */
  firstPage?: number;
  pageSize?: number;
  signal?: AbortSignal;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export async function* eventPages(reader: EventReader, options: FeedOptions): AsyncGenerator<EventRow[]> {
  const pageSize = options.pageSize ?? 500;
  let size = options.firstPage ?? 100;
  let cursor = options.afterId;
  for (;;) {
    // The state is read before draining: events committed before it turned final are all read below.
    const final = options.follow ? (reader.state()?.final ?? true) : true;
    for (;;) {
      const rows = reader.page(cursor, size);
      if (rows.length === 0) break;
      cursor = rows.at(-1)!.id;
      size = pageSize;
      yield rows;
      if (options.signal?.aborted) return;
    }
    if (final || options.signal?.aborted) return;
    await sleep(options.pollMs ?? 50, options.signal);
    if (options.signal?.aborted) return;
  }
}
