import { afterAll, beforeAll, describe, expect, setSystemTime, test } from "bun:test";
import { eventInserter, insertEvent } from "../../src/store/events.ts";
import { insertResume } from "../../src/store/resumes.ts";
import { ensureBinary } from "../support/binary.ts";
import { runMaos } from "../support/cli.ts";
import { buildOrchestration, createTestDb, type TestDb } from "../support/fixtures.ts";

/** One line of every kind an agent streams, for @api: attempt 1, a resume, attempt 2. */
const session = "5e551011-0000-4000-8000-000000000001";
const longOutput = Array.from({ length: 9 }, (_, i) => `line ${i + 1}`).join("\n");
const lines: { attempt: number; ts: string; type: string; subtype: string | null; raw: string }[] = [
  { attempt: 1, ts: "2026-01-01 10:00:00.000", type: "user", subtype: null, raw: JSON.stringify({ type: "user", message: { role: "user", content: "# Your task (@api)\nbuild it" }, isReplay: true }) },
  { attempt: 1, ts: "2026-01-01 10:00:00.100", type: "system", subtype: "init", raw: JSON.stringify({ type: "system", subtype: "init", session_id: session, model: "claude-test" }) },
  { attempt: 1, ts: "2026-01-01 10:00:00.200", type: "assistant", subtype: null, raw: JSON.stringify({ type: "assistant", message: { content: [{ type: "thinking", thinking: "Consider the schema." }] } }) },
  {
    attempt: 1,
    ts: "2026-01-01 10:00:00.300",
    type: "assistant",
    subtype: null,
    raw: JSON.stringify({ type: "assistant", message: { content: [{ type: "text", text: "Starting.\nMESSAGE @tests: port 8080\n\x1b]0;pwned\x07\x1b[2Jcleared?" }] } }),
  },
  {
    attempt: 1,
    ts: "2026-01-01 10:00:00.400",
    type: "assistant",
    subtype: null,
    raw: JSON.stringify({ type: "assistant", message: { content: [{ type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls -la src", description: "list" } }] } }),
  },
  {
    attempt: 1,
    ts: "2026-01-01 10:00:00.500",
    type: "user",
    subtype: null,
    raw: JSON.stringify({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: "toolu_1", content: longOutput, is_error: false }] } }),
  },
  { attempt: 1, ts: "2026-01-01 10:00:00.600", type: "system", subtype: "api_retry", raw: JSON.stringify({ type: "system", subtype: "api_retry", attempt: 1, error: "overloaded" }) },
  { attempt: 1, ts: "2026-01-01 10:00:00.700", type: "raw", subtype: null, raw: "not json at all" },
  {
    attempt: 1,
    ts: "2026-01-01 10:00:00.800",
    type: "result",
    subtype: "error_during_execution",
    raw: JSON.stringify({ type: "result", subtype: "error_during_execution", is_error: true, result: "interrupted", total_cost_usd: 0.01, duration_ms: 800, num_turns: 1 }),
  },
  { attempt: 2, ts: "2026-01-01 10:01:00.000", type: "user", subtype: null, raw: JSON.stringify({ type: "user", message: { content: [{ type: "text", text: "[message from @tests (request)] which port?" }] }, isReplay: true }) },
  { attempt: 2, ts: "2026-01-01 10:01:00.100", type: "assistant", subtype: null, raw: JSON.stringify({ type: "assistant", message: { content: [{ type: "text", text: "Done: 5 endpoints." }] } }) },
  {
    attempt: 2,
    ts: "2026-01-01 10:01:00.200",
    type: "result",
    subtype: "success",
    raw: JSON.stringify({ type: "result", subtype: "success", is_error: false, result: "Done", total_cost_usd: 0.0425, duration_ms: 1500, num_turns: 3, usage: { input_tokens: 1200, output_tokens: 340 } }),
  },
];

let t: TestDb;
let id: string;
let ids: number[] = [];
beforeAll(() => {
  t = createTestDb();
  const o = buildOrchestration(t.db, {
    status: "completed",
    tasks: [
      { key: "api", status: "completed", attempts: 2, events: 0 },
      { key: "tests", status: "completed", events: 0 },
    ],
  });
  id = o.id;
  const stmt = eventInserter(t.db);
  lines.forEach((l, i) => {
    if (i === 9) {
      setSystemTime(new Date("2026-01-01T10:00:30Z"));
      insertResume(t.db, id, 4242, "paused", { continued: ["api"], started: [], done: [], messagesWaiting: 1, addedTask: null, stoppedPids: [] });
      setSystemTime();
    }
    insertEvent(stmt, { orchestration_id: id, agent_id: `${id}:api`, session_id: session, seq: i + 1, ...l });
  });
  insertEvent(stmt, { orchestration_id: id, agent_id: `${id}:tests`, session_id: null, attempt: 1, seq: 1, ts: "2026-01-01 10:02:00.000", type: "assistant", subtype: null, raw: JSON.stringify({ type: "assistant", message: { content: [{ type: "text", text: "tests here" }] } }) });
  ids = t.db.query<{ id: number }, [string]>("SELECT id FROM events WHERE orchestration_id = ? ORDER BY id").all(id).map((r) => r.id);
});
afterAll(() => t.cleanup());

const logs = (...args: string[]) => runMaos(["logs", "--db", t.path, ...args], { env: { NO_COLOR: "1" } });

describe("maos logs", () => {
  test("renders every event kind as a transcript, with attempt and resume separators", async () => {
    const r = await logs(id.slice(0, 8));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain("── @api · attempt 1 · session ");
    expect(out).toContain("@api     ⇠ # Your task (@api)");
    expect(out).toContain("⚙ session 5e551011 · claude-test");
    expect(out).toContain("… Consider the schema.");
    expect(out).toContain("Starting.");
    expect(out).toContain("✉ → @tests (message): port 8080");
    expect(out).toContain("▸ Bash  ls -la src");
    expect(out).toMatch(/◂ Bash ok: line 1\n\s+line 2\n\s+line 3\n\s+line 4\n\s+… 5 more lines/);
    expect(out).toContain("↻ API retry 1: overloaded");
    expect(out).toContain("not json at all");
    expect(out).toContain("✗ turn failed (error_during_execution) · 1 turn · $0.01 · 0.8 s: interrupted");
    expect(out).toContain("══ orchestration resumed at 2026-01-01 10:00:30.000 by pid 4242 (was paused) ══");
    expect(out).toMatch(/── @api · attempt 2 · resumed session [0-9a-f]{8} · after attempt 1 interrupted: maos was stopped ──/);
    expect(out).toContain("⇠ [message from @tests (request)] which port?");
    expect(out).toContain("✓ turn done · 3 turns · $0.04 · 1.5 s · 1200 in / 340 out");
    expect(out).toContain("@tests   tests here");
    // Terminal-safe: the agent's escape sequences are shown, never sent to the terminal.
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(out).toContain("^[]0;pwned^G^[[2Jcleared?");
    // Commit order: the resume comes after attempt 1's last event and before attempt 2's first.
    expect(out.indexOf("turn failed")).toBeLessThan(out.indexOf("orchestration resumed"));
    expect(out.indexOf("orchestration resumed")).toBeLessThan(out.indexOf("which port?"));
  });

  test("--json prints NDJSON: position, agent, type and the parsed payload; stdout holds nothing else", async () => {
    const r = await logs(id, "--json");
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((x) => x.seq)).toEqual(ids);
    expect(rows[1]).toMatchObject({ agent: "api", attempt: 1, agent_seq: 2, type: "system", subtype: "init", payload: { session_id: session } });
    expect(rows[3].payload.message.content[0].text).toContain("\x1b]0;pwned");
    expect(rows[7]).toMatchObject({ type: "raw", payload: "not json at all" });
    expect(rows.at(-1)).toMatchObject({ agent: "tests" });
  });

  test("--raw prints the stored lines unchanged", async () => {
    const r = await logs(id, "--raw", "@api");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(lines.map((l) => `${l.raw}\n`).join(""));
  });

  test("@task selects agents; --since takes a position or a time", async () => {
    const tests = await logs(id, "@tests", "--json");
    expect(tests.stdout.trimEnd().split("\n").map((l) => JSON.parse(l).agent)).toEqual(["tests"]);
    const after = await logs(id, "--since", String(ids[9]), "--json");
    expect(after.stdout.trimEnd().split("\n").map((l) => JSON.parse(l).seq)).toEqual(ids.slice(10));
    const since = await logs(id, "--since", "2026-01-01T10:00:59Z", "--json");
    expect(since.stdout.trimEnd().split("\n").map((l) => JSON.parse(l).seq)).toEqual(ids.slice(9));
    const spaced = await logs(id, "--since", "2026-01-01 10:02:00", "--raw");
    expect(spaced.stdout).toContain("tests here");
    expect(spaced.stdout.trimEnd().split("\n")).toHaveLength(1);
  });

  test("bad flags are exit 2, unknown ids and tasks exit 3, each with one line on stderr", async () => {
    const cases: [string[], number, RegExp][] = [
      [[id, "--since", "yesterday"], 2, /--since must be an event position/],
      [[id, "--since", "-5"], 2, /--since must be/],
      [[id, "--since", "2026-13-45"], 2, /--since must be/],
      [[id, "--json", "--raw"], 2, /--json and --raw cannot be combined/],
      [[id, "@no-such"], 3, /has no task @no-such — its tasks: @api, @tests/],
      [[id, "@bad key!"], 2, /is not a task key/],
      [["ffffffff"], 3, /no orchestration matches "ffffffff"/],
      [["zz!"], 2, /is not an orchestration id/],
    ];
    for (const [args, code, message] of cases) {
      const r = await logs(...args);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    }
  });

  test.skipIf(!Bun.which("script"))("on a terminal: agents and turns are coloured, agent escapes still shown; NO_COLOR turns colour off", async () => {
    const underPty = async (env: Record<string, string>) => {
      // `script` gives the command a pseudo-terminal, as a person's shell would.
      const child = Bun.spawn(["script", "-qec", `${ensureBinary()} logs ${id} @api --db ${t.path}`, "/dev/null"], {
        env: Object.fromEntries(Object.entries({ ...process.env, NO_COLOR: undefined, ...env }).filter((e): e is [string, string] => e[1] !== undefined)),
        stdout: "pipe",
        stderr: "pipe",
      });
      const out = await new Response(child.stdout).text();
      expect(await child.exited).toBe(0);
      return out;
    };
    const coloured = await underPty({});
    expect(coloured).toContain("\x1b[36m@api");
    expect(coloured).toContain("\x1b[32m✓ turn done");
    // The agent's own sequences are never passed through, coloured or not.
    expect(coloured).toContain("^[]0;pwned^G^[[2Jcleared?");
    expect(coloured).not.toContain("\x1b]0;pwned");
    const plain = await underPty({ NO_COLOR: "1" });
    expect(plain).not.toMatch(/\x1b\[\d+m/);
  });
});
