import { describe, expect, test } from "bun:test";
import { buildTaskPrompt } from "../../src/orchestrator/prompt.ts";

const mail = [{ messageId: 1, fromAgent: "o:a", fromTask: "a", type: "discovery" as const, text: "the API uses cents", sentAt: "2026-01-01 00:00:00" }];

describe("buildTaskPrompt", () => {
  test("a first attempt carries the task, the request, the dependencies' results and waiting messages", () => {
    const text = buildTaskPrompt({
      request: "Build billing",
      taskKey: "api",
      description: "Implement the endpoints",
      dependencies: [{ key: "design", agentType: "architect", result: "Use REST" }],
      mailbox: mail,
      continuation: { kind: "first" },
    });
    expect(text).toContain("# Your task (@api)");
    expect(text).toContain("Implement the endpoints");
    expect(text).toContain("Build billing");
    expect(text).toContain("### @design (architect)\nUse REST");
    expect(text).toContain("[message from @a (discovery)] the API uses cents");
  });

  test("a resumed session is told it was interrupted and what it was writing, not the whole task again", () => {
    const text = buildTaskPrompt({
      request: "Build billing",
      taskKey: "api",
      description: "Implement the endpoints",
      dependencies: [],
      mailbox: [],
      continuation: { kind: "resumed", why: "You were interrupted.", previousOutput: "Half of the handler" },
    });
    expect(text).toStartWith("[maos] You were interrupted. Continue your task @api");
    expect(text).toContain("Half of the handler");
    expect(text).not.toContain("# Your task");
  });

  test("a restarted attempt gets the task again plus the earlier attempt's last output; long results are clipped", () => {
    const text = buildTaskPrompt({
      request: "r",
      taskKey: "api",
      description: "d",
      dependencies: [{ key: "big", agentType: "developer", result: "x".repeat(9000) }],
      mailbox: [],
      continuation: { kind: "restarted", why: "The session was lost.", previousOutput: "step 3 of 5" },
    });
    expect(text).toContain("# Your task (@api)");
    expect(text).toContain("The session was lost.");
    expect(text).toContain("step 3 of 5");
    expect(text).toContain("(1000 more characters)");
  });
});
