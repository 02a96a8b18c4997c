import type { Database } from "bun:sqlite";
import { countAgentPendingDeliveries } from "../../src/store/messages.ts";
import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import {
  acknowledge,
  formatForPrompt,
  formatDelivery,
  formatUndeliverableNote,
  liveDeliveriesLeft,
  mailboxSummary,
  recordProtocolMessages,
  requeueForRetry,
  requeueOnResume,
  takeMailbox,
  type RecordInput,
} from "../../src/bus/mailbox.ts";
import { parseProtocolLines } from "../../src/bus/protocol.ts";
import { openDatabase } from "../../src/store/db.ts";
import { transaction } from "../../src/store/tx.ts";
import { seedOrchestration, tempDb, type TempDb } from "./fixture.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

let t: TempDb;
let db: Database;
let ids: Record<string, string>;
const orch = "o1";

beforeEach(() => {
  t = tempDb();
  db = t.db;
  ids = seedOrchestration(db, orch, ["a", "b", "c", "d"]);
});
afterEach(() => t.close());

let seqCounter = 0;
/** `from` says `text` in one assistant block, committed in its own transaction like the event writer does. */
function say(from: string, text: string, at: Partial<Pick<RecordInput, "attempt" | "seq">> = {}) {
  const input: RecordInput = {
    orchestrationId: orch,
    fromAgentId: ids[from]!,
    attempt: at.attempt ?? 1,
    seq: at.seq ?? ++seqCounter,
    messages: parseProtocolLines(text),
  };
  return transaction(db, () => recordProtocolMessages(db, input));
}

function deliveryRows(messageId: number) {
  return db
    .query<{ agent_id: string; status: string; attempt: number | null; via: string | null }, [number]>(
      "SELECT agent_id, status, attempt, via FROM deliveries WHERE message_id = ? ORDER BY agent_id",
    )
    .all(messageId);
}

function messageRow(id: number) {
  return db.query<Record<string, unknown>, [number]>("SELECT * FROM messages WHERE id = ?").get(id)!;
}

describe("recordProtocolMessages", () => {
  test("a direct message has its recipient and one pending delivery", () => {
    const [m] = say("a", "working…\nMESSAGE @b: please add an index on users.email");
    expect(m).toMatchObject({ type: "message", toTask: "b", recipients: [ids.b], undeliverable: null, line: 2 });
    expect(messageRow(m!.id)).toMatchObject({
      from_agent: ids.a,
      to_agent: ids.b,
      to_task: "b",
      message_type: "message",
      message: "please add an index on users.email",
      acknowledged: 0,
      undeliverable: 0,
      idempotency_key: `${ids.a}#1#${seqCounter}#2`,
    });
    expect(deliveryRows(m!.id)).toEqual([{ agent_id: ids.b!, status: "pending", attempt: null, via: null }]);
  });

  test("a broadcast reaches each other agent exactly once, never the sender", () => {
    const [m] = say("a", "DISCOVERY: tests live in test/");
    expect(m!.recipients.sort()).toEqual([ids.b!, ids.c!, ids.d!].sort());
    expect(messageRow(m!.id).to_agent).toBeNull();
    expect(deliveryRows(m!.id).map((r) => r.agent_id)).toEqual([ids.b!, ids.c!, ids.d!]);
    for (const key of ["b", "c", "d"]) {
      const taken = takeMailbox(db, ids[key]!, 1, "stdin");
      expect(taken.map((d) => [d.messageId, d.fromTask, d.type, d.text])).toEqual([[m!.id, "a", "discovery", "tests live in test/"]]);
      expect(takeMailbox(db, ids[key]!, 1, "stdin")).toEqual([]);
    }
    expect(takeMailbox(db, ids.a!, 1, "stdin")).toEqual([]);
  });

  test("several messages in one block; messages and broadcasts stay within their orchestration", () => {
    const other = seedOrchestration(db, "o2", ["a", "b", "x"]);
    const recorded = say("a", "BROADCAST: one\nprose\nMESSAGE @b: two\nREQUEST @c: three?");
    expect(recorded.map((m) => [m.type, m.line, m.recipients.length])).toEqual([
      ["broadcast", 1, 3],
      ["message", 3, 1],
      ["request", 4, 1],
    ]);
    expect(recorded[1]!.recipients).toEqual([ids.b!]);
    expect(countAgentPendingDeliveries(db, other.b!)).toBe(0);
    expect(countAgentPendingDeliveries(db, other.x!)).toBe(0);
    const [unknown] = say("a", "MESSAGE @x: x only exists in o2");
    expect(unknown!.undeliverable).toBe("unknown-task");
  });

  test("re-processing the same stream line adds nothing", () => {
    const text = "DISCOVERY: once\nMESSAGE @b: only once";
    const first = say("a", text, { seq: 7 });
    expect(first).toHaveLength(2);
    const before = mailboxSummary(db, orch);
    expect(say("a", text, { seq: 7 })).toEqual([]);
    expect(mailboxSummary(db, orch)).toEqual(before);
    expect(before).toMatchObject({ messages: 2, pending: 4 });
    // The same words said again elsewhere (another event, another attempt) are new messages.
    expect(say("a", text, { seq: 8 })).toHaveLength(2);
    expect(say("a", text, { seq: 7, attempt: 2 })).toHaveLength(2);
    expect(mailboxSummary(db, orch).messages).toBe(6);
  });

  test("a message to an unknown task or to oneself is kept as undeliverable", () => {
    const [unknown, self] = say("a", "MESSAGE @nobody: hello?\nREQUEST @a: talking to myself");
    expect(unknown).toMatchObject({ toTask: "nobody", recipients: [], undeliverable: "unknown-task" });
    expect(self).toMatchObject({ toTask: "a", recipients: [], undeliverable: "self" });
    for (const m of [unknown!, self!]) {
      expect(messageRow(m.id)).toMatchObject({ to_agent: null, undeliverable: 1 });
      expect(deliveryRows(m.id)).toEqual([]);
    }
    expect(mailboxSummary(db, orch)).toEqual({ messages: 2, pending: 0, delivered: 0, acknowledged: 0, undeliverable: 2 });
    expect(formatUndeliverableNote(unknown!, ["b", "c"])).toBe(
      '[maos] Your MESSAGE to @nobody was not delivered: there is no task "nobody" in this orchestration. Tasks you can message: @b, @c.',
    );
    expect(formatUndeliverableNote(self!, [])).toContain("REQUEST to @a was not delivered: that is your own task");
  });

  test("it writes in the caller's transaction: a rollback leaves nothing", () => {
    const input: RecordInput = { orchestrationId: orch, fromAgentId: ids.a!, attempt: 1, seq: 1, messages: parseProtocolLines("DISCOVERY: x") };
    expect(() =>
      transaction(db, () => {
        recordProtocolMessages(db, input);
        throw new Error("event write failed");
      }),
    ).toThrow("event write failed");
    expect(mailboxSummary(db, orch).messages).toBe(0);
    expect(transaction(db, () => recordProtocolMessages(db, input))).toHaveLength(1);
  });
});

describe("takeMailbox", () => {
  test("oldest first, marked delivered to the attempt and channel, never twice", () => {
    say("a", "MESSAGE @b: first");
    say("c", "REQUEST @b: second?");
    say("d", "BROADCAST: third");
    const taken = takeMailbox(db, ids.b!, 1, "prompt");
    expect(taken.map((d) => [d.fromTask, d.type, d.text])).toEqual([
      ["a", "message", "first"],
      ["c", "request", "second?"],
      ["d", "broadcast", "third"],
    ]);
    expect(taken[0]!.sentAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(deliveryRows(taken[0]!.messageId)).toEqual([{ agent_id: ids.b!, status: "delivered", attempt: 1, via: "prompt" }]);
    expect(takeMailbox(db, ids.b!, 1, "prompt")).toEqual([]);
    expect(takeMailbox(db, ids.b!, 1, "stdin")).toEqual([]);
    expect(countAgentPendingDeliveries(db, ids.b!)).toBe(0);
  });

  test("inside a caller's transaction it joins it: a rollback leaves the messages pending", () => {
    say("a", "MESSAGE @b: one\nMESSAGE @c: two");
    expect(() =>
      transaction(db, () => {
        expect(takeMailbox(db, ids.b!, 1, "stdin")).toHaveLength(1);
        expect(takeMailbox(db, ids.c!, 1, "stdin")).toHaveLength(1);
        throw new Error("crash before commit");
      }),
    ).toThrow("crash before commit");
    expect(mailboxSummary(db, orch)).toMatchObject({ pending: 2, delivered: 0 });
    const taken = transaction(db, () => [...takeMailbox(db, ids.b!, 1, "stdin"), ...takeMailbox(db, ids.c!, 1, "stdin")]);
    expect(taken.map((d) => d.text)).toEqual(["one", "two"]);
    transaction(db, () => {
      acknowledge(db, ids.b!, 1);
      acknowledge(db, ids.c!, 1);
    });
    expect(mailboxSummary(db, orch)).toMatchObject({ pending: 0, delivered: 0, acknowledged: 2 });
  });

  test("a limit takes the oldest and leaves the rest pending", () => {
    for (let i = 0; i < 5; i++) say("a", `MESSAGE @b: m${i}`);
    expect(takeMailbox(db, ids.b!, 1, "stdin", { limit: 2 }).map((d) => d.text)).toEqual(["m0", "m1"]);
    expect(takeMailbox(db, ids.b!, 1, "stdin", { limit: 2 }).map((d) => d.text)).toEqual(["m2", "m3"]);
    expect(takeMailbox(db, ids.b!, 1, "stdin").map((d) => d.text)).toEqual(["m4"]);
  });

  test("the text the agent sees", () => {
    say("c", "REQUEST @b: which port? 🔌\nMESSAGE @b: 数据库已准备好");
    const taken = takeMailbox(db, ids.b!, 1, "prompt");
    expect(formatDelivery(taken[1]!)).toBe("[message from @c (message)] 数据库已准备好");
    expect(formatDelivery(taken[0]!)).toBe("[message from @c (request)] which port? 🔌 (reply with a line: MESSAGE @c: <answer>)");
    const prompt = formatForPrompt(taken);
    expect(prompt.split("\n").slice(2)).toEqual([
      "[message from @c (request)] which port? 🔌 (reply with a line: MESSAGE @c: <answer>)",
      "[message from @c (message)] 数据库已准备好",
    ]);
    expect(formatForPrompt([])).toBe("");
  });
});

describe("acknowledge", () => {
  test("a message is acknowledged once every recipient's turn completed", () => {
    const [m] = say("a", "DISCOVERY: shared");
    takeMailbox(db, ids.b!, 1, "stdin");
    takeMailbox(db, ids.c!, 1, "stdin");
    expect(acknowledge(db, ids.b!, 1)).toEqual([m!.id]);
    expect(acknowledge(db, ids.c!, 1)).toEqual([m!.id]);
    expect(messageRow(m!.id).acknowledged).toBe(0); // d has not even received it
    takeMailbox(db, ids.d!, 3, "prompt");
    expect(acknowledge(db, ids.d!, 2)).toEqual([]); // another attempt acknowledges nothing of attempt 3
    expect(acknowledge(db, ids.d!, 3)).toEqual([m!.id]);
    expect(messageRow(m!.id).acknowledged).toBe(1);
    expect(mailboxSummary(db, orch)).toMatchObject({ pending: 0, delivered: 0, acknowledged: 3 });
    expect(acknowledge(db, ids.d!, 3)).toEqual([]);
  });

  test("only what was delivered is acknowledged; throughMessageId stops at the turn's last message", () => {
    const [m1] = say("a", "MESSAGE @b: one");
    const [m2] = say("a", "MESSAGE @b: two");
    takeMailbox(db, ids.b!, 1, "stdin");
    const [m3] = say("a", "MESSAGE @b: three (not yet delivered)");
    expect(acknowledge(db, ids.b!, 1, m1!.id)).toEqual([m1!.id]);
    expect(acknowledge(db, ids.b!, 1)).toEqual([m2!.id]);
    expect(deliveryRows(m3!.id)[0]!.status).toBe("pending");
  });
});

describe("live delivery cap", () => {
  test("stdin deliveries stop at the cap; the rest waits for the next start's prompt", () => {
    for (let i = 0; i < 30; i++) say(i % 2 ? "a" : "c", `MESSAGE @b: n${i}`);
    expect(liveDeliveriesLeft(db, ids.b!, 1)).toBe(20);
    const first = takeMailbox(db, ids.b!, 1, "stdin", { limit: 15 });
    expect(first).toHaveLength(15);
    expect(liveDeliveriesLeft(db, ids.b!, 1) === 0).toBe(false);
    const second = takeMailbox(db, ids.b!, 1, "stdin", { limit: 15 });
    expect(second.map((d) => d.text)).toEqual(["n15", "n16", "n17", "n18", "n19"]);
    expect(liveDeliveriesLeft(db, ids.b!, 1) === 0).toBe(true);
    expect(takeMailbox(db, ids.b!, 1, "stdin")).toEqual([]);
    expect(countAgentPendingDeliveries(db, ids.b!)).toBe(10);
    // The prompt of the next attempt is not capped, and that attempt has its own live budget.
    expect(takeMailbox(db, ids.b!, 2, "prompt")).toHaveLength(10);
    expect(liveDeliveriesLeft(db, ids.b!, 2)).toBe(20);
  });

  test("the cap is configurable, and prompt deliveries do not count against it", () => {
    for (let i = 0; i < 6; i++) say("a", `MESSAGE @b: n${i}`);
    expect(takeMailbox(db, ids.b!, 1, "prompt", { limit: 2 })).toHaveLength(2);
    expect(takeMailbox(db, ids.b!, 1, "stdin", { liveDeliveryCap: 3 })).toHaveLength(3);
    expect(liveDeliveriesLeft(db, ids.b!, 1, 3) === 0).toBe(true);
    expect(takeMailbox(db, ids.b!, 1, "stdin", { liveDeliveryCap: 3 })).toEqual([]);
    expect(takeMailbox(db, ids.b!, 1, "stdin", { liveDeliveryCap: Number.POSITIVE_INFINITY })).toHaveLength(1);
    expect(liveDeliveriesLeft(db, ids.b!, 1, Number.POSITIVE_INFINITY) === 0).toBe(false);
  });
});

describe("crash and resume", () => {
  test("a delivery to an attempt that died unacknowledged is delivered exactly once to the next attempt", () => {
    const [acked] = say("a", "MESSAGE @b: acknowledged before the crash");
    takeMailbox(db, ids.b!, 1, "prompt");
    acknowledge(db, ids.b!, 1);
    const sent = say("a", "MESSAGE @b: delivered, never acknowledged\nDISCOVERY: also to c and d");
    expect(takeMailbox(db, ids.b!, 1, "stdin")).toHaveLength(2);
    expect(takeMailbox(db, ids.c!, 1, "stdin")).toHaveLength(1);
    acknowledge(db, ids.c!, 1);

    // kill -9: the process is gone without acknowledging; a new process opens the file.
    db.close(false);
    db = openDatabase(t.path);
    t.db = db;
    expect(requeueOnResume(db, orch)).toBe(2);
    expect(mailboxSummary(db, orch)).toMatchObject({ pending: 3, delivered: 0, acknowledged: 2 });

    const resumed = takeMailbox(db, ids.b!, 2, "prompt");
    expect(resumed.map((d) => d.messageId)).toEqual(sent.map((m) => m.id));
    expect(resumed.map((d) => d.messageId)).not.toContain(acked!.id);
    expect(takeMailbox(db, ids.b!, 2, "stdin")).toEqual([]);
    expect(takeMailbox(db, ids.c!, 2, "prompt")).toEqual([]); // c acknowledged before the crash
    expect(takeMailbox(db, ids.d!, 1, "prompt")).toHaveLength(1);
    acknowledge(db, ids.b!, 2);
    acknowledge(db, ids.d!, 1);
    expect(mailboxSummary(db, orch)).toMatchObject({ pending: 0, delivered: 0, acknowledged: 5 });
    expect(requeueOnResume(db, orch)).toBe(0);
  });

  test("a retried task gets back only what its dead attempts did not acknowledge", () => {
    for (let i = 0; i < 3; i++) say("a", `MESSAGE @b: n${i}`);
    takeMailbox(db, ids.b!, 1, "stdin", { limit: 1 });
    acknowledge(db, ids.b!, 1);
    takeMailbox(db, ids.b!, 1, "stdin", { limit: 1 });
    say("a", "MESSAGE @c: unrelated");
    takeMailbox(db, ids.c!, 1, "stdin");
    expect(requeueForRetry(db, ids.b!, 2)).toBe(1);
    expect(takeMailbox(db, ids.b!, 2, "prompt").map((d) => d.text)).toEqual(["n1", "n2"]);
    expect(requeueForRetry(db, ids.b!, 2)).toBe(0); // attempt 2 is alive: untouched
    expect(mailboxSummary(db, orch)).toMatchObject({ pending: 0, delivered: 3, acknowledged: 1 });
  });
});

describe("several processes on one database", () => {
  test("sending, taking and acknowledging at once: no SQLITE_BUSY, nothing lost or duplicated", async () => {
    const keys = ["p0", "p1", "p2", "p3", "p4", "p5"];
    const procIds = seedOrchestration(db, "multi", keys);
    const direct = 150; // a multiple of keys.length - 1: each agent receives as much as it sends
    const broadcasts = 8;
    const worker = join(import.meta.dir, "mailbox-worker.ts");
    const procs = keys.map((key) =>
      Bun.spawn([process.execPath, worker, t.path, "multi", key, keys.join(","), String(direct), String(broadcasts)], {
        stdout: "pipe",
        stderr: "pipe",
      }),
    );
    const results = await Promise.all(
      procs.map(async (p) => ({
        code: await p.exited,
        out: await new Response(p.stdout).text(),
        err: await new Response(p.stderr).text(),
      })),
    );
    for (const r of results) {
      expect(r.err).not.toMatch(/SQLITE_BUSY|database is locked/i);
      expect(r.code).toBe(0);
    }
    const total = keys.length * (direct + broadcasts);
    const expectedPerAgent = direct + broadcasts * (keys.length - 1);
    const summary = mailboxSummary(db, "multi");
    expect(summary).toEqual({
      messages: total,
      pending: 0,
      delivered: 0,
      acknowledged: keys.length * expectedPerAgent,
      undeliverable: 0,
    });
    for (const r of results) {
      const { self, received } = JSON.parse(r.out) as { self: string; received: number[] };
      expect(new Set(received).size).toBe(received.length);
      expect(received).toHaveLength(expectedPerAgent);
      const inDb = db
        .query<{ message_id: number }, [string]>("SELECT message_id FROM deliveries WHERE agent_id = ? ORDER BY message_id")
        .all(procIds[self]!)
        .map((row) => row.message_id);
      expect([...received].sort((x, y) => x - y)).toEqual(inDb);
    }
    const unacked = db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM messages WHERE orchestration_id = 'multi' AND acknowledged = 0").get()!;
    expect(unacked.n).toBe(0);
  });
});
