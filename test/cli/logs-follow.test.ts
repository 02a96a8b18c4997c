import { afterAll, expect, test } from "bun:test";
import { parseSqlTime } from "../../src/store/time.ts";
import { ensureBinary } from "../support/binary.ts";
import { finish, withDb } from "../crash/scenario.ts";
import { startObservedRun, waitForDbState, type ObservedRun } from "../support/observed-run.ts";

/** A follower: `maos logs --follow` with every stdout line timestamped as it arrives. */
function follow(run: ObservedRun, ...args: string[]) {
  const proc = Bun.spawn([ensureBinary(), "logs", run.id(), "--follow", "--db", run.dbPath, ...args], {
    env: run.env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: { text: string; at: number }[] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of proc.stdout) {
      const at = Date.now();
      buffered += decoder.decode(chunk, { stream: true });
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const text of parts) lines.push({ text, at });
    }
  })();
  return { proc, lines, done, stderr: new Response(proc.stderr).text() };
}

async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

let run: ObservedRun | undefined;
afterAll(() => {
  run?.owner.proc.kill("SIGKILL");
  run?.dir.cleanup();
});

test("--follow tails a run across a pause and a resume, within 200 ms of each commit, and ends when it completes", async () => {
  run = await startObservedRun(100_000, 60);
  const r = run;
  await waitForDbState(r.dbPath, "@api streaming", (db) => (db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM events WHERE agent_id LIKE '%:api'").get()?.n ?? 0) > 5);

  const json = follow(r, "--json");
  const text = follow(r);
  const interrupted = follow(r, "@api");

  // Ctrl-C ends a follower with exit 0.
  await until(() => interrupted.lines.length > 0, "the @api follower's first line");
  interrupted.proc.kill("SIGINT");
  expect(await interrupted.proc.exited).toBe(0);

  // Live lines: events committed after the follower caught up arrive within 200 ms (median).
  const caughtUp = json.lines.length;
  await until(() => json.lines.length >= caughtUp + 30, "30 live events");
  const lags = json.lines.slice(caughtUp + 1).map((l) => l.at - parseSqlTime(JSON.parse(l.text).ts).getTime());
  lags.sort((a, b) => a - b);
  const median = lags[Math.floor(lags.length / 2)]!;
  console.log(`follow lag over ${lags.length} live events: median ${median} ms, max ${lags.at(-1)} ms`);
  expect(median).toBeLessThanOrEqual(200);

  // Pause the owner as Ctrl-C would; the followers keep following a paused run.
  r.owner.proc.kill("SIGINT");
  expect((await finish(r.owner)).code).toBe(130);
  await waitForDbState(r.dbPath, "paused", (db) => db.query<{ status: string }, []>("SELECT status FROM orchestrations").get()?.status === "paused");
  expect(json.proc.exitCode).toBeNull();
  expect(text.proc.exitCode).toBeNull();

  const resume = Bun.spawn([ensureBinary(), "orchestration", "resume", r.id(), "--auto", "--db", r.dbPath], { cwd: r.dir.path, env: r.env, stdout: "pipe", stderr: "pipe" });
  expect(await resume.exited).toBe(0);

  // The run completed: both followers drain and exit 0 on their own.
  expect(await json.proc.exited).toBe(0);
  expect(await text.proc.exited).toBe(0);
  await Promise.all([json.done, text.done]);

  const ids = withDb(r.dbPath, (db) => db.query<{ id: number }, []>("SELECT id FROM events ORDER BY id").all().map((e) => e.id))!;
  // Every event exactly once, in commit order, across the pause and the resume.
  expect(json.lines.map((l) => JSON.parse(l.text).seq)).toEqual(ids);
  const out = text.lines.map((l) => l.text).join("\n");
  expect(out).toMatch(/══ orchestration resumed at .* by pid \d+ \(was paused\) ══/);
  expect(out).toMatch(/── @api · attempt 2 · resumed session [0-9a-f]{8} · after attempt 1 interrupted/);
  expect(out).toContain("api resumed and finished");
  expect(out).toContain("@review  review done");
  expect(await text.stderr).toBe("");
}, 180_000);
