// Issue 6, end to end: maos dies (kill -9) or is stopped (Ctrl-C) while a real claude agent
// is mid-stream; `maos orchestration resume` continues that agent's own Claude session.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { AttemptRow } from "../../src/store/attempts.ts";
import type { Database } from "bun:sqlite";
import { route, slowTextReply, textReply, type RecordedRequest } from "../support/mock-anthropic.ts";
import { pidAlive, processesMatching, REQUEST, startE2E, taskMarker, transcriptText, waitUntil, type E2E } from "../support/e2e.ts";
import { scaled } from "../support/machine.ts";

// Real processes: each test gets up to 45 s (they take 0.1–4 s each).
setDefaultTimeout(scaled(45_000));

const attempts = (db: Database) =>
  db.query<AttemptRow, []>("SELECT a.* FROM attempts a JOIN tasks t ON t.id = a.task_id WHERE t.task_key = 'a' ORDER BY a.attempt").all();
const events = (db: Database) =>
  db.query<{ id: number; seq: number; attempt: number; type: string; raw: string }, []>("SELECT id, seq, attempt, type, raw FROM events ORDER BY id").all();

/** Starts a one-task orchestration whose agent streams slowly (~20 s); resolves once it is mid-answer. */
async function startMidStream(e: E2E, resumedReply: string) {
  e.mock.script(route([[taskMarker("a"), [slowTextReply("word ".repeat(400), 5, 50), textReply(resumedReply)]]]));
  const p = e.start(["orchestrate", REQUEST, "--auto", "--db", e.dbPath, "--plan", e.plan([{ id: "a" }])]);
  const streaming = await e.mock.waitFor((q) => q.isMessages && q.allUserText.includes(taskMarker("a")), scaled(20_000));
  await waitUntil(() => e.query((db) => events(db).length > 0), "the agent's first events");
  // Resume continues claude's session from claude's own transcript, which it writes behind
  // its stdout: it must exist before maos is stopped (on a stalled machine it can lag).
  const [{ session_id: sessionId }] = e.query((db) => attempts(db)) as [AttemptRow];
  await waitUntil(() => transcriptText(e, sessionId).includes(taskMarker("a")), "claude to start its transcript");
  // Some text has streamed (10 chunks) and much more is to come.
  await Bun.sleep(Math.max(0, streaming.receivedAt + 500 - Date.now()));
  expect(streaming.finishedAt).toBeUndefined();
  return { p, streaming };
}

function expectSameSessionContinued(e: E2E, first: RecordedRequest, sessionId: string) {
  const later = e.mock.messageRequests().filter((q) => q.index > first.index);
  expect(later).toHaveLength(1);
  const resumed = later[0]!;
  expect(first.sessionId).toBe(sessionId);
  expect(resumed.sessionId).toBe(sessionId);
  // The earlier conversation is resent: the original task prompt comes first, then maos's note.
  expect(resumed.firstUserText).toContain(taskMarker("a"));
  expect(resumed.firstUserText).toContain(REQUEST);
  // Told truthfully how the attempt ended: maos killed (kill -9) or stopped by the user (Ctrl-C).
  expect(resumed.lastUserText).toMatch(/\[maos\] Attempt 1 was (cut off because maos itself stopped unexpectedly|interrupted by the user)/);
  expect(resumed.lastUserText).toContain("Continue your task @a");
  expect(resumed.lastUserText).not.toContain(taskMarker("a"));
  return resumed;
}

describe("e2e: resume with the real claude CLI", () => {
  test("kill -9 mid-stream → listed as paused (interrupted) → resume --auto continues the same Claude session and completes", async () => {
    await using e = await startE2E();
    const { p, streaming } = await startMidStream(e, "A finished after the crash.");
    const before = e.query((db) => ({ attempts: attempts(db), events: events(db) }));
    expect(before.attempts).toMatchObject([{ attempt: 1, resumed: 0, status: "running" }]);
    const [{ session_id: sessionId, pid: agentPid }] = before.attempts as [AttemptRow];

    p.kill("SIGKILL");
    const killed = await p.exited;
    expect(killed.signal).toBe("SIGKILL");
    // The agent dies with maos (its supervisor kills it), so nothing streams on unwatched.
    await waitUntil(() => !pidAlive(agentPid!) && processesMatching(sessionId).length === 0, "the agent to die with maos", 3000).catch(() => {});
    expect(pidAlive(agentPid!)).toBe(false);
    expect(processesMatching(sessionId)).toEqual([]);

    const list = await e.run(["orchestration", "list", "--json", "--db", e.dbPath]);
    expect(list.code).toBe(0);
    const [row] = JSON.parse(list.stdout).orchestrations;
    expect(row).toMatchObject({ status: "paused (interrupted)", stored_status: "running", interrupted: true });

    const resume = await e.run(["orchestration", "resume", row.id.slice(0, 8), "--auto", "--json", "--db", e.dbPath]);
    expect(resume.stderr).toContain("Continue (interrupted): @a");
    expect(resume.code).toBe(0);
    const doc = JSON.parse(resume.stdout);
    expect(doc).toMatchObject({ orchestration_id: row.id, status: "completed" });
    expect(doc.tasks).toMatchObject([{ id: "a", status: "completed", session_id: sessionId, attempts: 2, result: "A finished after the crash." }]);

    expectSameSessionContinued(e, streaming, sessionId);
    // Nothing was left behind for the resume to stop.
    expect(resume.stderr).not.toContain("left by the interrupted run");
    expect(processesMatching(sessionId)).toEqual([]);

    e.query((db) => {
      expect(attempts(db)).toMatchObject([
        { attempt: 1, session_id: sessionId, resumed: 0, status: "interrupted" },
        { attempt: 2, session_id: sessionId, resumed: 1, status: "completed" },
      ]);
      // Everything committed before the kill is still there, unchanged, and the resumed attempt continues the numbering.
      const after = events(db);
      expect(after.slice(0, before.events.length)).toEqual(before.events);
      expect(after.map((ev) => ev.seq)).toEqual(after.map((_, i) => i + 1));
      expect(after.slice(before.events.length).every((ev) => ev.attempt === 2)).toBe(true);
      expect(after.at(-1)).toMatchObject({ type: "result", attempt: 2 });
      const resumes = db.query<{ previous_status: string; summary: string }, []>("SELECT previous_status, summary FROM resumes").all();
      expect(resumes).toHaveLength(1);
      expect(resumes[0]!.previous_status).toBe("paused (interrupted)");
      expect(JSON.parse(resumes[0]!.summary)).toMatchObject({ continued: ["a"], stoppedPids: [] });
      expect(db.query<{ status: string }, []>("SELECT status FROM orchestrations").get()!.status).toBe("completed");
    });
  });

  test("Ctrl-C mid-stream → paused → resume --auto continues the same Claude session and completes", async () => {
    await using e = await startE2E();
    const { p, streaming } = await startMidStream(e, "A finished after Ctrl-C.");
    p.kill("SIGINT");
    expect((await p.exited).code).toBe(130);
    const { id, sessionId } = e.query((db) => {
      const [attempt] = attempts(db);
      expect(attempt).toMatchObject({ status: "interrupted" });
      expect(pidAlive(attempt!.pid!)).toBe(false);
      const o = db.query<{ id: string; status: string }, []>("SELECT id, status FROM orchestrations").get()!;
      expect(o.status).toBe("paused");
      return { id: o.id, sessionId: attempt!.session_id };
    });

    const resume = await e.run(["orchestration", "resume", id, "--auto", "--json", "--db", e.dbPath]);
    expect(resume.code).toBe(0);
    expect(JSON.parse(resume.stdout).tasks).toMatchObject([{ id: "a", status: "completed", session_id: sessionId, result: "A finished after Ctrl-C." }]);
    expectSameSessionContinued(e, streaming, sessionId);
    e.query((db) => {
      expect(attempts(db)).toMatchObject([
        { attempt: 1, session_id: sessionId, resumed: 0, status: "interrupted" },
        { attempt: 2, session_id: sessionId, resumed: 1, status: "completed" },
      ]);
      expect(db.query<{ previous_status: string }, []>("SELECT previous_status FROM resumes").get()!.previous_status).toBe("paused");
    });
  });

  test("resume --task on a completed orchestration: the new task runs after everything, with their results", async () => {
    await using e = await startE2E();
    e.mock.script(
      route([
        [taskMarker("a"), textReply("A-RESULT: the API exists.")],
        [taskMarker("b"), textReply("B-RESULT: the UI exists.")],
        [taskMarker("followup-1"), textReply("FOLLOWUP: authentication added.")],
      ]),
    );
    const first = await e.orchestrate(e.plan([{ id: "a" }, { id: "b" }]), ["--json"]);
    expect(first.code).toBe(0);
    const id = JSON.parse(first.stdout).orchestration_id as string;
    const requestsBefore = e.mock.messageRequests().length;

    const r = await e.run(["orchestration", "resume", id, "--task", "now add authentication", "--auto", "--json", "--db", e.dbPath]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.status).toBe("completed");
    expect(doc.tasks.map((t: any) => [t.id, t.status, t.attempts])).toEqual([
      ["a", "completed", 1],
      ["b", "completed", 1],
      ["followup-1", "completed", 1],
    ]);
    // Only the new task ran, and its prompt carries the new work and every earlier result.
    const later = e.mock.messageRequests().slice(requestsBefore);
    expect(later).toHaveLength(1);
    expect(later[0]!.firstUserText).toContain(`${taskMarker("followup-1")}\n\nnow add authentication`);
    expect(later[0]!.firstUserText).toContain("### @a (developer)\nA-RESULT: the API exists.");
    expect(later[0]!.firstUserText).toContain("### @b (developer)\nB-RESULT: the UI exists.");
    e.query((db) => {
      const t = db.query<{ depends_on: string; agent_type: string }, []>("SELECT depends_on, agent_type FROM tasks WHERE task_key = 'followup-1'").get()!;
      expect(JSON.parse(t.depends_on)).toEqual(["a", "b"]);
      expect(t.agent_type).toBe("developer");
      expect(db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM attempts").get()!.n).toBe(3);
    });
  });
});
