import { expect, test } from "bun:test";
import { LiveReporter } from "../../src/ui/run-reporter.ts";
import { buildOrchestration, createTestDb, standardSpec } from "../support/fixtures.ts";

test("a notice printed over the live block starts at column 0 (a '^C' echo never leaves 'PrStopping…')", () => {
  const t = createTestDb();
  try {
    const o = buildOrchestration(t.db, standardSpec());
    let written = "";
    const out = { write: (s: string) => ((written += s), true), columns: 100 } as unknown as NodeJS.WriteStream;
    const reporter = new LiveReporter(t.db, o.id, out);
    reporter.note("▶ @build started"); // prints, then draws the live block under it
    reporter.note("Stopping: interrupting agents gracefully…");
    reporter.close();
    // The first draw, then the notice: the cursor goes to column 0 before moving up over the block.
    const notice = written.indexOf("Stopping:");
    const before = written.slice(0, notice);
    expect(before).toMatch(/\r\x1b\[\d+A\x1b\[0J$/);
  } finally {
    t.cleanup();
  }
});
