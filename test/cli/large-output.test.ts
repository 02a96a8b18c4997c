import { afterEach, beforeEach, expect, test, setDefaultTimeout } from "bun:test";
import { ensureBinary } from "../support/binary.ts";
import { buildOrchestration, createTestDb, type TestDb } from "../support/fixtures.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

test("a --json document larger than a pipe buffer arrives whole", async () => {
  for (let i = 0; i < 400; i++) buildOrchestration(t.db, { request: `request ${i} ${"x".repeat(400)}`, status: "completed" });
  // A reader that starts late (like `| less` or a busy consumer) lets the pipe buffer fill up.
  const command = `${ensureBinary()} orchestration list --limit 400 --json --db ${t.path} | (sleep 0.5; cat)`;
  const child = Bun.spawn(["sh", "-c", command], { stdout: "pipe", stderr: "pipe" });
  const stdout = await new Response(child.stdout).text();
  expect(await child.exited).toBe(0);
  expect(stdout.length).toBeGreaterThan(128 * 1024);
  expect(JSON.parse(stdout).orchestrations).toHaveLength(400);
});
