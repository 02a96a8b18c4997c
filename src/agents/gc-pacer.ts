/**
 * Keeps a flat-out ingest from growing the process. JavaScriptCore lets the garbage of 20
 * agents streaming at full speed (stdout chunks, decoded lines, parsed JSON) pile up for
 * tens of MB before collecting it: maos peaked at ~130 MB of RSS in the ingestion bench,
 * of which ~10 MB was live after a full collection. Watching the heap figures did not
 * help (most of that memory is not counted in them), so the pacer counts what causes the
 * garbage: after every `collectEveryRows` committed rows it runs one full collection.
 *
 * Measured (bench/events.bench.ts, 20 agents, 200,000 lines, 1,000-row batches; peak RSS,
 * events/s): 130+ MB without; every 8,000 rows 95–100 MB, ~91k/s; every 4,000 rows 87–95 MB,
 * ~82–90k/s; every 2,000 rows 86–91 MB, ~74k/s. About half of the peak is the executable's
 * own pages (RssFile ~51 MB), so 4,000 keeps the 100 MB floor with a margin for ~8 % of a
 * flat-out ingest's speed — and costs nothing for a real agent, which streams a few lines a
 * second.
 */
export class GcPacer {
  private rows = 0;
  collections = 0;

  constructor(private readonly collectEveryRows = 4_000) {}

  /** Counts committed rows; collects once enough have gone by. */
  committed(rows: number): void {
    this.rows += rows;
    if (this.rows < this.collectEveryRows) return;
    this.rows %= this.collectEveryRows;
    this.collections++;
    Bun.gc(true);
  }
}
