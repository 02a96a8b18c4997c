import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { eventInserter, insertEvent } from "../../src/store/events.ts";
import { ensureBinary } from "../support/binary.ts";
import { runMaos } from "../support/cli.ts";
import { buildOrchestration, createTestDb, type TestDb } from "../support/fixtures.ts";

let t: TestDb;
let id: string;
let serve: ReturnType<typeof Bun.spawn>;
let base: string;
const token = "test-token-0123456789abcdef";
let seq = 0;

function addEvents(n: number): void {
  const stmt = eventInserter(t.db);
  for (let i = 0; i < n; i++) {
    seq++;
    insertEvent(stmt, {
      orchestration_id: id,
      agent_id: `${id}:${seq % 2 ? "api" : "web"}`,
      session_id: null,
      attempt: 1,
      seq,
      ts: "2026-01-01 10:00:00.000",
      type: "assistant",
      subtype: null,
      raw: JSON.stringify({ type: "assistant", message: { content: [{ type: "text", text: `line ${seq}` }] } }),
    });
  }
}

async function startServe(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([ensureBinary(), "serve", "--port", "0", "--db", t.path, ...args], {
    env: { ...process.env, MAOS_SERVE_TOKEN: token, ...env } as Record<string, string>,
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  while (!out.includes("\n")) out += new TextDecoder().decode((await reader.read()).value);
  reader.releaseLock();
  return { proc, url: /http:\/\/\S+/.exec(out)![0] };
}

const auth = { Authorization: `Bearer ${token}` };

/** Reads SSE messages of one stream until `enough` says stop; returns the parsed `events` batches with their ids. */
async function readEvents(res: Response, enough: (positions: number[]) => boolean) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const positions: number[] = [];
  const ids: number[] = [];
  while (!enough(positions)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) !== -1) {
      const message = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const field = (name: string) => message.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
      if (field("event") !== "events") continue;
      const batch = JSON.parse(field("data")!) as { position: number }[];
      positions.push(...batch.map((e) => e.position));
      ids.push(Number(field("id")));
      expect(Number(field("id"))).toBe(batch.at(-1)!.position);
    }
  }
  await reader.cancel();
  return { positions, ids };
}

beforeAll(async () => {
  t = createTestDb();
  id = buildOrchestration(t.db, {
    status: "paused",
    tasks: [
      { key: "api", status: "completed", events: 0 },
      { key: "web", status: "pending", events: 0 },
    ],
  }).id;
  addEvents(2500);
  const started = await startServe([]);
  serve = started.proc;
  base = new URL(started.url).origin;
});

afterAll(async () => {
  serve?.kill("SIGINT");
  expect(await serve.exited).toBe(0);
  t.cleanup();
});

describe("maos serve", () => {
  test("prints a loopback URL carrying the token; flags are validated", async () => {
    const bad: [string[], Record<string, string>, number, RegExp][] = [
      [["--port", "70000"], {}, 2, /--port must be an integer from 0 to 65535/],
      [["--port", "x"], {}, 2, /--port must be an integer/],
      [["--host", "a b"], {}, 2, /--host must be an address/],
      [["extra"], {}, 2, /unexpected argument "extra"/],
      [["--db", join(t.dir, "missing.db")], {}, 5, /no database at/],
      [[], { MAOS_SERVE_TOKEN: "short" }, 2, /MAOS_SERVE_TOKEN must be 16 to 128/],
    ];
    for (const [args, env, code, message] of bad) {
      const r = await runMaos(["serve", ...(args.includes("--db") ? [] : ["--db", t.path]), ...args], { env });
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    }
  });

  test("a non-loopback bind says the token is still required, and it is", async () => {
    const { proc, url } = await startServe(["--host", "0.0.0.0"]);
    const port = new URL(url).port;
    expect((await fetch(`http://127.0.0.1:${port}/api/runs`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/api/runs`, { headers: auth })).status).toBe(200);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stderr as ReadableStream).text()).toMatch(/listening on 0\.0\.0\.0, reachable from other machines: every request must still carry the access token/);
  });

  test("the event stream continues exactly after Last-Event-ID, across its catch-up and live parts", async () => {
    const ids = t.db.query<{ id: number }, [string]>("SELECT id FROM events WHERE orchestration_id = ? ORDER BY id").all(id).map((r) => r.id);
    const from = ids[1234]!;
    const res = await fetch(`${base}/api/runs/${id}/stream`, { headers: { ...auth, "Last-Event-ID": String(from) } });
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    // New events are committed while the stream is open; they arrive once, after the history.
    setTimeout(() => addEvents(300), 50);
    const got = await readEvents(res, (p) => p.length >= ids.length - 1235 + 300);
    const all = t.db.query<{ id: number }, [string]>("SELECT id FROM events WHERE orchestration_id = ? ORDER BY id").all(id).map((r) => r.id);
    expect(got.positions).toEqual(all.filter((p) => p > from));

    // One agent only, from its own cursor.
    const api = await fetch(`${base}/api/runs/${id}/stream?agent=api&after=${from}`, { headers: auth });
    const apiIds = t.db.query<{ id: number }, [string, number]>("SELECT id FROM events WHERE agent_id = ? AND id > ? ORDER BY id").all(`${id}:api`, from).map((r) => r.id);
    const mine = await readEvents(api, (p) => p.at(-1) === apiIds.at(-1));
    expect(mine.positions).toEqual(apiIds);
    expect((await fetch(`${base}/api/runs/${id}/stream?agent=nope`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${base}/api/runs/${id}/stream?after=-1`, { headers: auth })).status).toBe(400);
  });

  test("actions are validated and every attempt is recorded, refused ones with the reason", async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}/api/runs/${id}/${path}`, { method: "POST", headers: { ...auth, "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
    expect((await post("pause", {}, { "Content-Type": "text/plain" })).status).toBe(415);
    expect((await post("pause", {}, { Origin: "http://evil.example" })).status).toBe(403);
    const pause = await post("pause", {});
    expect(pause.status).toBe(409);
    expect((await pause.json()).error).toMatch(/is not running \(it is paused\)/);
    expect((await post("message", { to: "nope", text: "hi" })).status).toBe(400);
    expect((await post("message", { to: "api", text: "  " })).status).toBe(400);
    const sent = await post("message", { to: "@web", text: "use postgres", request_id: "req-12345678" });
    expect(sent.status).toBe(200);
    const again = await post("message", { to: "web", text: "use postgres", request_id: "req-12345678" });
    expect((await again.json()).detail.duplicate).toBe(true);
    const actions = t.db.query<{ kind: string; outcome: string; reason: string | null }, [string]>("SELECT kind, outcome, reason FROM actions WHERE orchestration_id = ? ORDER BY id").all(id);
    expect(actions).toEqual([
      { kind: "pause", outcome: "refused", reason: expect.stringMatching(/is not running/) },
      { kind: "message", outcome: "refused", reason: expect.stringMatching(/has no task @nope/) },
      { kind: "message", outcome: "done", reason: null },
      { kind: "message", outcome: "done", reason: null },
    ]);
    const messages = t.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM messages WHERE from_agent = 'user'").get()!.n;
    expect(messages).toBe(1);
    // The mailbox and `orchestration status --messages` show a message from the user.
    const mailbox = (await (await fetch(`${base}/api/runs/${id}/mailbox`, { headers: auth })).json()) as { from_task: string; deliveries: { to: string; status: string }[] }[];
    expect(mailbox.at(-1)).toMatchObject({ from_task: "user", deliveries: [{ to: "web", status: "pending" }] });
    const status = await runMaos(["orchestration", "status", id, "--messages", "--db", t.path]);
    expect(status.stdout).toMatch(/user → web\s+message\s+0\/1 delivered/);
  });

  test("the runs list marks a run whose owner died as stale; a run's tasks carry levels and timelines", async () => {
    const crashed = buildOrchestration(t.db, { owner: "dead", tasks: [{ key: "a", status: "completed" }, { key: "b", status: "running", deps: ["a"], attempts: 2 }] }).id;
    const runs = (await (await fetch(`${base}/api/runs`, { headers: auth })).json()) as { id: string; status: string; stale: boolean; tasks_done: number; tasks_total: number }[];
    expect(runs.find((r) => r.id === crashed)).toMatchObject({ status: "paused (interrupted)", stale: true, tasks_done: 1, tasks_total: 2 });
    expect(runs.find((r) => r.id === id)).toMatchObject({ status: "paused", stale: false });
    const detail = (await (await fetch(`${base}/api/runs/${crashed}`, { headers: auth })).json()) as {
      tasks: { key: string; level: number; timeline: { kind: string; attempt?: number; status?: string }[] }[];
    };
    expect(detail.tasks.map((x) => [x.key, x.level])).toEqual([["a", 0], ["b", 1]]);
    const b = detail.tasks[1]!.timeline.filter((seg) => seg.kind === "attempt");
    expect(b.map((seg) => [seg.attempt, seg.status])).toEqual([[1, "interrupted"], [2, "running"]]);
  });
});
