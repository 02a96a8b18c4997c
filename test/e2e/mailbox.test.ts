// Issue 5, end to end: agents (the real claude CLI against the scripted mock) message each
// other through maos's persisted mailboxes while they run, and before they start.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { route, textReply, toolUseReply, type MessageReply, type MockHandler, type RecordedRequest } from "../support/mock-anthropic.ts";
import { conversationJson, occurrences, processesMatching, REQUEST, startE2E, taskMarker, waitUntil, type E2E } from "../support/e2e.ts";
import { scaled } from "../support/machine.ts";

// Real processes: each test gets up to 45 s (they take 0.1–4 s each).
setDefaultTimeout(scaled(45_000));

interface DeliveryRow {
  message_id: number;
  recipient: string;
  status: string;
  attempt: number | null;
  via: string | null;
  delivered_at: string | null;
  acknowledged_at: string | null;
}

const deliveries = (db: Database) =>
  db
    .query<DeliveryRow, []>(
      `SELECT d.message_id, t.task_key AS recipient, d.status, d.attempt, d.via, d.delivered_at, d.acknowledged_at
         FROM deliveries d JOIN tasks t ON t.id = d.agent_id ORDER BY d.message_id, t.task_key`,
    )
    .all();
const messages = (db: Database) =>
  db
    .query<Record<string, any>, []>(
      `SELECT m.*, f.task_key AS from_task FROM messages m JOIN tasks f ON f.id = m.from_agent ORDER BY m.id`,
    )
    .all();
const requestsFor = (e: E2E, key: string) => e.mock.messageRequests().filter((r) => r.allUserText.includes(taskMarker(key)));

/**
 * A Bash command that keeps the agent busy inside a tool call until the test creates
 * `flag` (or ~15 s pass): the agent is "still working" for as long as the test needs.
 */
function waitForFlag(flag: string): string {
  return `for i in $(seq 300); do [ -f '${flag}' ] && break; sleep 0.05; done; echo released`;
}

/** Answers with `reply` only once every agent waiting on one of `flags` sits in its tool call. */
function onceBusy(flags: string[], reply: MessageReply): MockHandler {
  return async () => {
    await waitUntil(() => flags.every((f) => processesMatching(f).length > 0), "the other agents to be busy in their tool calls");
    return reply;
  };
}

function statusOf(e: E2E, recipient: string): string | undefined {
  try {
    return e.query((db) => deliveries(db).find((d) => d.recipient === recipient)?.status);
  } catch {
    return undefined; // the database may not exist yet
  }
}

describe("e2e: mailboxes between real claude agents", () => {
  test("MESSAGE @b while b is still working: b's next request carries it; the delivery goes delivered → acknowledged", async () => {
    await using e = await startE2E();
    const flag = join(e.root.path, "release-b");
    const secret = "the staging password is XYZZY-42";
    e.mock.script(
      route([
        // a speaks only once b is inside its (long) tool call
        [taskMarker("a"), onceBusy([flag], textReply(`Found the credentials.\nMESSAGE @b: ${secret}\nDone with a.`))],
        [taskMarker("b"), [toolUseReply("Bash", { command: waitForFlag(flag), description: "Wait for the go" }), textReply("B used the password.")]],
      ]),
    );
    const p = e.start(["orchestrate", REQUEST, "--auto", "--db", e.dbPath, "--max-parallel", "2", "--plan", e.plan([{ id: "a" }, { id: "b" }])]);

    // b sits in its tool call; the message reaches its stdin and is marked delivered, not yet acknowledged.
    await waitUntil(() => statusOf(e, "b") === "delivered", "the message to be delivered to b", scaled(25_000));
    const delivered = e.query((db) => deliveries(db));
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ recipient: "b", status: "delivered", attempt: 1, via: "stdin", acknowledged_at: null });
    expect(requestsFor(e, "b")).toHaveLength(1); // b has not asked the model anything since
    writeFileSync(flag, "");

    const r = await p.exited;
    expect(r.code).toBe(0);
    const bRequests = requestsFor(e, "b");
    expect(bRequests).toHaveLength(2);
    expect(conversationJson(bRequests[0]!)).not.toContain(secret);
    // The next request after the tool call carries the message, saying who sent it.
    expect(occurrences(conversationJson(bRequests[1]!), `[message from @a (message)] ${secret}`)).toBe(1);
    expect(bRequests[1]!.hasToolResult("Bash")).toBe(true);

    e.query((db) => {
      const [m] = messages(db);
      expect(m).toMatchObject({ from_task: "a", to_task: "b", message_type: "message", message: secret, acknowledged: 1, undeliverable: 0 });
      const [d] = deliveries(db);
      expect(d).toMatchObject({ recipient: "b", status: "acknowledged", attempt: 1, via: "stdin" });
      expect(d!.acknowledged_at! >= d!.delivered_at!).toBe(true);
      // The message was committed with the stream line that said it.
      const said = db
        .query<{ raw: string }, []>("SELECT e.raw FROM events e JOIN tasks t ON t.id = e.agent_id WHERE t.task_key = 'a' AND e.type = 'assistant'")
        .all();
      expect(said.some((ev) => ev.raw.includes(`MESSAGE @b: ${secret}`))).toBe(true);
      // b's turn that consumed it: the replayed stdin message is one of b's events.
      const bEvents = db
        .query<{ raw: string }, []>("SELECT e.raw FROM events e JOIN tasks t ON t.id = e.agent_id WHERE t.task_key = 'b' AND e.type = 'user'")
        .all();
      expect(bEvents.filter((ev) => ev.raw.includes(secret))).toHaveLength(1);
    });
  });

  test("MESSAGE @b while b is streaming its answer: it becomes b's next turn; b's process ends only after that turn", async () => {
    await using e = await startE2E();
    const note = "the build needs --frozen-lockfile";
    e.mock.script(
      route([
        [taskMarker("a"), textReply(`MESSAGE @b: ${note}\nA done.`)],
        [
          taskMarker("b"),
          [
            // b's first answer is held back until the message is already in its stdin
            async () => {
              await waitUntil(() => statusOf(e, "b") === "delivered", "the message to be delivered to b");
              return textReply("B first answer.");
            },
            textReply("B read the note."),
          ],
        ],
      ]),
    );
    const r = await e.orchestrate(e.plan([{ id: "a" }, { id: "b" }]), ["--max-parallel", "2", "--json"]);
    expect(r.code).toBe(0);
    const [first, second, ...more] = requestsFor(e, "b");
    expect(more).toHaveLength(0);
    expect(conversationJson(first!)).not.toContain(note);
    expect(second!.lastUserText).toBe(`[message from @a (message)] ${note}`);
    expect(JSON.parse(r.stdout).tasks[1]).toMatchObject({ id: "b", status: "completed", result: "B first answer.\n\nB read the note." });
    e.query((db) => {
      expect(deliveries(db)).toMatchObject([{ recipient: "b", status: "acknowledged", attempt: 1, via: "stdin" }]);
      const results = db
        .query<{ n: number }, []>("SELECT COUNT(*) AS n FROM events e JOIN tasks t ON t.id = e.agent_id WHERE t.task_key = 'b' AND e.type = 'result'")
        .get()!.n;
      expect(results).toBe(2);
    });
  });

  test("a DISCOVERY reaches every other running agent exactly once, and not its sender", async () => {
    await using e = await startE2E();
    const flags = { b: join(e.root.path, "release-b"), c: join(e.root.path, "release-c") };
    const discovery = "the cache lives in /var/cache/e2e-7781";
    const busy = (key: "b" | "c") => [
      toolUseReply("Bash", { command: waitForFlag(flags[key]), description: "Wait for the go" }),
      textReply(`${key.toUpperCase()} noted the cache.`),
    ];
    e.mock.script(
      route([
        [taskMarker("a"), onceBusy([flags.b, flags.c], textReply(`Looked around.\nDISCOVERY: ${discovery}\nThat is all from a.`))],
        [taskMarker("b"), busy("b")],
        [taskMarker("c"), busy("c")],
      ]),
    );
    const plan = e.plan([{ id: "a" }, { id: "b" }, { id: "c" }]);
    const p = e.start(["orchestrate", REQUEST, "--auto", "--db", e.dbPath, "--max-parallel", "3", "--plan", plan]);
    await waitUntil(() => statusOf(e, "b") === "delivered" && statusOf(e, "c") === "delivered", "the discovery to reach b and c", scaled(25_000));
    writeFileSync(flags.b, "");
    writeFileSync(flags.c, "");
    const r = await p.exited;
    expect(r.code).toBe(0);

    e.query((db) => {
      const all = messages(db);
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ from_task: "a", to_agent: null, to_task: null, message_type: "discovery", message: discovery, acknowledged: 1 });
      const rows = deliveries(db);
      expect(rows.map((d) => [d.recipient, d.status, d.attempt, d.via])).toEqual([
        ["b", "acknowledged", 1, "stdin"],
        ["c", "acknowledged", 1, "stdin"],
      ]);
    });
    // What `status --messages` shows of it: one message, two recipients, both acknowledged.
    const id = e.query((db) => db.query<{ id: string }, []>("SELECT id FROM orchestrations").get()!.id);
    const status = await e.run(["orchestration", "status", id, "--messages", "--json", "--db", e.dbPath]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).messages).toMatchObject({
      total: 1,
      shown: [{ from_task: "a", to_task: null, message_type: "discovery", message: discovery, recipients: 2, delivered: 2, acked: 2 }],
    });
    const line = `[message from @a (discovery)] ${discovery}`;
    for (const key of ["b", "c"]) {
      const reqs = requestsFor(e, key);
      expect(reqs).toHaveLength(2);
      const last = reqs.at(-1)!;
      expect(occurrences(conversationJson(last), discovery)).toBe(1);
      expect(occurrences(conversationJson(last), line)).toBe(1);
      // and only once over all of this agent's requests' new content
      expect(reqs.filter((q: RecordedRequest) => conversationJson(q).includes(discovery))).toHaveLength(1);
    }
    // the sender never received its own broadcast
    for (const q of requestsFor(e, "a")) expect(conversationJson(q)).not.toContain(line);
  });

  test("a message to a task that has not started yet is in its prompt when it starts (via = 'prompt')", async () => {
    await using e = await startE2E();
    const note = "please name the columns in snake_case";
    e.mock.script(
      route([
        [taskMarker("a"), textReply(`Schema drafted.\nMESSAGE @b: ${note}\nA finished.`)],
        [taskMarker("b"), textReply("B used snake_case.")],
      ]),
    );
    const r = await e.orchestrate(e.plan([{ id: "a" }, { id: "b", depends_on: ["a"] }]), ["--json"]);
    expect(r.code).toBe(0);
    const [bFirst, ...more] = requestsFor(e, "b");
    expect(more).toHaveLength(0);
    // The prompt's mailbox section, with the formatted message (the dependency result also quotes a's text).
    const prompt = bFirst!.firstUserText;
    expect(prompt).toContain("## Messages from other agents");
    expect(occurrences(prompt, `[message from @a (message)] ${note}`)).toBe(1);
    expect(prompt.indexOf("## Messages from other agents")).toBeGreaterThan(prompt.indexOf("## Results of the tasks you depend on"));
    e.query((db) => {
      expect(deliveries(db)).toMatchObject([{ recipient: "b", status: "acknowledged", attempt: 1, via: "prompt" }]);
      expect(messages(db)).toMatchObject([{ from_task: "a", to_task: "b", message: note, acknowledged: 1 }]);
    });
  });
});
