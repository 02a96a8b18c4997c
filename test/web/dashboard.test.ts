/// <reference lib="dom" />
/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against
 * `maos serve` while a fake-agent orchestration runs. The tests share one run and go in
 * order: read-only pages first, then the message, pause and resume actions.
 * Screenshots go to $MAOS_SCREENSHOTS or <temp dir>/screenshots (kept with MAOS_KEEP_TEMP=1).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { parseSqlTime } from "../../src/store/time.ts";
import { ensureBinary } from "../support/binary.ts";
import { launchBrowser } from "../support/browser.ts";
import { finish, withDb } from "../crash/scenario.ts";
import { startObservedRun, waitForDbState, type ObservedRun } from "../support/observed-run.ts";

let run: ObservedRun;
let serve: ReturnType<typeof Bun.spawn>;
let url: string;
let base: string;
let browser: BrowserContext;
let page: Page;
let shots: string;
const pageErrors: string[] = [];

async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

const db = <T>(fn: (d: import("bun:sqlite").Database) => T) => withDb(run.dbPath, fn)!;
const apiEventIds = (upTo: number) =>
  db((d) => d.query<{ id: number }, [string, number]>("SELECT id FROM events WHERE agent_id = ? AND id <= ? ORDER BY id").all(`${run.id()}:api`, upTo).map((r) => r.id));
const status = () => db((d) => d.query<{ status: string }, []>("SELECT status FROM orchestrations").get()!.status);
const positions = () => page.evaluate(() => (window as unknown as { __maos: { positions(): number[] } }).__maos.positions());
const stats = () => page.evaluate(() => ({ ...(window as unknown as { __maos: { stats: { events: number; duplicates: number; reconnects: number } } }).__maos.stats }));

const token = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");

/** `maos serve` with the run's environment (the resume it starts must find the same fake claude) and a fixed token. */
async function startServe(port: string): Promise<void> {
  serve = Bun.spawn([ensureBinary(), "serve", "--port", port, "--db", run.dbPath], {
    cwd: run.dir.path,
    env: { ...run.env, MAOS_SERVE_TOKEN: token },
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = (serve.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`maos serve exited: ${await new Response(serve.stderr as ReadableStream).text()}`);
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  url = /http:\/\/\S+/.exec(out)![0];
  base = new URL(url).origin;
}

beforeAll(async () => {
  run = await startObservedRun(100_000, 100);
  shots = process.env.MAOS_SCREENSHOTS ?? join(run.dir.path, "screenshots");
  mkdirSync(shots, { recursive: true });
  await waitForDbState(run.dbPath, "@api streaming", (d) => (d.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM events WHERE agent_id LIKE '%:api'").get()?.n ?? 0) > 5);
  await startServe("0");
  browser = await launchBrowser();
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on("pageerror", (e) => pageErrors.push(e.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  serve?.kill("SIGINT");
  await serve?.exited;
  run?.owner.proc.kill("SIGKILL");
  // The resume the dashboard started is detached: stop it if it is still running.
  const pids = withDb(run.dbPath, (d) => d.query<{ detail: string }, []>("SELECT detail FROM actions WHERE kind = 'resume'").all().map((r) => JSON.parse(r.detail).pid as number)) ?? [];
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already finished
    }
  }
  console.log(`screenshots: ${shots}`);
  run?.dir.cleanup();
});

describe("maos serve in a browser", () => {
  test("a request without the token gets 401, and nothing allows other origins", async () => {
    const id = run.id();
    for (const [path, init] of [
      ["/", {}],
      ["/api/runs", {}],
      [`/api/runs/${id}`, {}],
      [`/api/runs/${id}/stream`, {}],
      ["/assets/dashboard.js", {}],
      ["/?token=wrong", {}],
      [`/api/runs/${id}/pause`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer wrong" }, body: "{}" }],
    ] as [string, RequestInit][]) {
      const res = await fetch(`${base}${path}`, init);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    }
    expect(status()).toBe("running");
    const ok = await fetch(`${base}/api/runs`, { headers: { Authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBeNull();
  }, 60_000);

  test("the runs list renders and updates live", async () => {
    await page.goto(url);
    expect(new URL(page.url()).searchParams.get("token")).toBeNull(); // the token moved into a cookie
    const row = page.locator(`#runs tr[data-run="${run.id()}"]`);
    await row.locator('[data-status="running"]').waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain("Build the billing API");
    await page.screenshot({ path: join(shots, "runs.png") });
  }, 60_000);

  test("the run page shows the task graph by status, timelines, mailbox and the live transcript; agent text stays text", async () => {
    await page.click(`#runs a[href="#/run/${run.id()}"]`);
    await page.locator('svg [data-task="design"][data-status="completed"]').waitFor({ timeout: 30_000 });
    await page.locator('svg [data-task="api"][data-status="running"]').waitFor({ timeout: 30_000 });
    expect(await page.locator("svg [data-task]").count()).toBe(4);
    expect(await page.locator("#timeline .tl-row").count()).toBe(4);
    await page.locator("#mailbox tr[data-message]").first().waitFor();
    expect(await page.locator("#mailbox").textContent()).toContain("the api listens on port 8080");
    // The <script> and <img onerror> an agent wrote are shown as text and never run.
    await page.locator("#transcript", { hasText: "<script>window.__pwned = 1</script>" }).first().waitFor();
    expect(await page.locator("#transcript img, #transcript script").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.screenshot({ path: join(shots, "run.png"), fullPage: true });
    // The README's picture: dark, and small.
    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 1100, height: 720 });
    await page.screenshot({ path: join(shots, "run-dark.png") });
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.emulateMedia({ colorScheme: "light" });
  }, 60_000);

  test("the agent view shows a new event within 1 s of its commit", async () => {
    await page.goto(`${base}/#/run/${run.id()}/agent/api`);
    const session = db((d) => d.query<{ session_id: string }, [string]>("SELECT session_id FROM tasks WHERE id = ?").get(`${run.id()}:api`)!.session_id);
    await page.locator("#session", { hasText: session }).waitFor({ timeout: 30_000 });
    await page.locator(".ev[data-position]").first().waitFor();
    // Stamp each event row with the wall time it appeared.
    await page.evaluate(() => {
      const seen: Record<number, number> = ((window as unknown as { __seen: Record<number, number> }).__seen = {});
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n instanceof HTMLElement && n.dataset.position) seen[Number(n.dataset.position)] = Date.now();
      }).observe(document.getElementById("transcript")!, { childList: true });
    });
    const seen = await until(async () => {
      const s = await page.evaluate(() => (window as unknown as { __seen: Record<number, number> }).__seen);
      return Object.keys(s).length >= 10 ? s : null;
    }, "10 live events");
    const ts = db((d) => d.query<{ id: number; ts: string }, []>("SELECT id, ts FROM events").all());
    const lags = Object.entries(seen)
      .map(([pos, at]) => at - parseSqlTime(ts.find((e) => e.id === Number(pos))!.ts).getTime())
      .sort((a, b) => a - b);
    console.log(`dashboard lag over ${lags.length} events: median ${lags[lags.length >> 1]} ms, max ${lags.at(-1)} ms`);
    expect(lags[lags.length >> 1]!).toBeLessThanOrEqual(1000);
    await page.screenshot({ path: join(shots, "agent.png") });
  }, 60_000);

  test("a forced reconnect (the server restarts) and a reload neither lose nor duplicate events", async () => {
    const before = await stats();
    // Restart the server on the same port with the same token: the browser's EventSource
    // reconnects on its own, sending Last-Event-ID, while events keep being committed.
    serve.kill("SIGINT");
    await serve.exited;
    await until(async () => (await stats()).reconnects > before.reconnects, "the stream to drop");
    const shownBefore = Math.max(...(await positions()));
    await waitForDbState(run.dbPath, "events committed while disconnected", (d) => (d.query<{ n: number }, [string, number]>("SELECT COUNT(*) AS n FROM events WHERE agent_id = ? AND id > ?").get(`${run.id()}:api`, shownBefore)?.n ?? 0) >= 3);
    await startServe(new URL(base).port);
    await until(async () => Math.max(...(await positions())) > shownBefore + 5, "events after the reconnect", 30_000);
    const shown = await positions();
    expect(shown).toEqual(apiEventIds(Math.max(...shown)));
    expect((await stats()).duplicates).toBe(0);

    await page.reload();
    await until(async () => (await positions()).length >= shown.length, "the reloaded transcript");
    const reloaded = await positions();
    expect(reloaded).toEqual(apiEventIds(Math.max(...reloaded)));
  }, 60_000);

  test("the message action puts a message from the user into the agent's mailbox, recorded", async () => {
    await page.fill('#send input[name="text"]', "please also add pagination");
    await page.click('#send button[type="submit"]');
    await page.locator("#send .flash", { hasText: "queued as message" }).waitFor();
    const message = db((d) =>
      d.query<{ id: number; from_agent: string; to_task: string; status: string }, []>(
        "SELECT m.id, m.from_agent, m.to_task, d.status FROM messages m JOIN deliveries d ON d.message_id = m.id WHERE m.from_agent = 'user'",
      ).all(),
    );
    expect(message).toEqual([{ id: expect.any(Number), from_agent: "user", to_task: "api", status: "pending" }]);
    const action = db((d) => d.query<{ kind: string; actor: string; outcome: string; detail: string }, []>("SELECT * FROM actions").all());
    expect(action).toMatchObject([{ kind: "message", actor: "dashboard 127.0.0.1", outcome: "done" }]);
    expect(JSON.parse(action[0]!.detail)).toEqual({ to: "api", message_id: message[0]!.id, duplicate: false });
  }, 60_000);

  test("pause signals the owner like Ctrl-C; resume starts `maos orchestration resume`; both recorded", async () => {
    await page.goto(`${base}/#/run/${run.id()}`);
    await page.locator("#pause:not([disabled])").waitFor({ timeout: 30_000 });
    const owner = run.owner.proc.pid;
    await page.click("#pause");
    expect((await finish(run.owner)).code).toBe(130);
    await until(() => status() === "paused", "paused");
    await page.locator('.head [data-status="paused"]').waitFor({ timeout: 30_000 });
    await page.locator("#resume:not([disabled])").waitFor();
    await page.screenshot({ path: join(shots, "paused.png"), fullPage: true });

    await page.click("#resume");
    await until(() => status() === "completed", "the resumed run to complete", 90_000);
    await page.locator('.head [data-status="completed"]').waitFor({ timeout: 30_000 });
    const actions = db((d) => d.query<{ kind: string; outcome: string; detail: string }, []>("SELECT * FROM actions ORDER BY id").all());
    expect(actions.map((a) => [a.kind, a.outcome])).toEqual([["message", "done"], ["pause", "done"], ["resume", "done"]]);
    expect(JSON.parse(actions[1]!.detail)).toEqual({ pid: owner, signal: "SIGINT" });
    expect(JSON.parse(actions[2]!.detail).argv).toEqual(["resume", run.id(), "--auto", "--db", run.dbPath]);
    // The user's message reached @api when it resumed, and its turn acknowledged it.
    const delivery = db((d) => d.query<{ status: string }, []>("SELECT d.status FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE m.from_agent = 'user'").get());
    expect(delivery).toEqual({ status: "acknowledged" });
    await page.locator("#actions").waitFor();
    expect(await page.locator("#mailbox").textContent()).toContain("please also add pagination");
    await page.screenshot({ path: join(shots, "completed.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
