import { afterEach, beforeEach, expect, test } from "bun:test";
import { formatDelivery, takeMailbox } from "../../src/bus/mailbox.ts";
import { recordUserMessage } from "../../src/bus/user-message.ts";
import { transaction } from "../../src/store/tx.ts";
import { buildOrchestration, createTestDb, type TestDb } from "../support/fixtures.ts";

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

test("a message from the user reaches the agent's mailbox like an agent's, once per request id", () => {
  const o = buildOrchestration(t.db, { tasks: [{ key: "api", status: "running" }] });
  const send = () => transaction(t.db, () => recordUserMessage(t.db, { orchestrationId: o.id, toTask: "api", text: "add pagination", requestId: "r-1" }));
  const id = send();
  expect(id).toBeNumber();
  expect(send()).toBeNull();
  expect(transaction(t.db, () => recordUserMessage(t.db, { orchestrationId: o.id, toTask: "nope", text: "x", requestId: "r-2" }))).toBe("unknown-task");
  const taken = takeMailbox(t.db, o.taskIds.api!, 2, "prompt");
  expect(taken).toMatchObject([{ messageId: id, fromAgent: "user", fromTask: "user", text: "add pagination" }]);
  expect(formatDelivery(taken[0]!)).toContain("[message from @user (message)] add pagination");
});
