/**
 * The planner against the REAL claude CLI (node_modules/.bin/claude) and the
 * scripted loopback mock of the Anthropic API.
 */
import type { ApiRetry } from "../../src/agents/api-retry.ts";
import { afterAll, afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { loadCatalog } from "../../src/agents/catalog.ts";
import { InterruptedError } from "../../src/errors.ts";
import { PlannerError, plannerPrompt, runPlanner, type PlannerOptions } from "../../src/plan/planner.ts";
import {
  errorReply,
  hangReply,
  queue,
  startMockAnthropic,
  structuredOutputReply,
  textReply,
  type MockServer,
} from "../support/mock-anthropic.ts";
import { claudeBinPath, configureFakeMcpServer, makeClaudeEnv, tempDir } from "../support/claude-env.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

const catalog = loadCatalog({ cwd: "/nonexistent-maos-cwd", home: null }).agents;
const dir = tempDir("maos-planner-");
let mock: MockServer;

// One mock per test: a claude left over from a timed-out test must not take the next test's replies.
beforeEach(async () => {
  mock = await startMockAnthropic();
});
afterEach(async () => {
  await mock.stop();
});
afterAll(() => dir.cleanup());

const validPlan = {
  summary: "Implement, then test and review",
  tasks: [
    { id: "implement", agent_type: "developer", description: "Implement the feature", depends_on: [] },
    { id: "test", agent_type: "tester", description: "Test it", depends_on: ["implement"] },
    { id: "review", agent_type: "reviewer", description: "Review it", depends_on: ["implement"] },
  ],
};

function options(extra: Partial<PlannerOptions> = {}, env: Record<string, string> = {}): PlannerOptions {
  return {
    bin: claudeBinPath(),
    cwd: dir.path,
    env: makeClaudeEnv(mock.url, join(dir.path, "cfg"), env),
    request: "Add a /health endpoint REQ-MARKER",
    catalog,
    model: null,
    timeoutMs: scaled(30_000),
    projectDescription: "Working directory: /demo\nGit repository: no",
    ...extra,
  };
}

describe("runPlanner (real claude CLI)", () => {
  test("a valid plan via StructuredOutput → Plan, with cost and session", async () => {
    mock.script(queue([structuredOutputReply(validPlan)]));
    const before = mock.messageRequests().length;
    const t0 = performance.now();
    const result = await runPlanner(options({ model: "haiku" }));
    const elapsed = performance.now() - t0;
    expect(result.plan).toEqual(validPlan);
    expect(result.attempts).toBe(1);
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const requests = mock.messageRequests().slice(before);
    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    // Only the StructuredOutput tool, our system prompt, the prompt on stdin, the model flag.
    expect(req.toolNames).toEqual(["StructuredOutput"]);
    expect(req.systemText).toContain("You are the planner of maos");
    expect(req.lastUserText).toContain("REQ-MARKER");
    expect(req.lastUserText).toContain("- developer: Implements features");
    expect(req.lastUserText).toContain("Working directory: /demo");
    expect(req.model).toMatch(/^claude-haiku-/); // the alias: claude-haiku-4-5-20251001 with 2.1.197, newer with newer CLIs
    const schema = req.body.tools.find((t: any) => t.name === "StructuredOutput").input_schema;
    expect(schema.properties.tasks.items.properties.agent_type.enum).toContain("security");
    console.log(`planner: valid plan in ${elapsed.toFixed(0)} ms`);
  });

  test("MCP servers in the user's Claude Code configuration are not started for the planner: StructuredOutput is its only tool", async () => {
    mock.script(queue([structuredOutputReply(validPlan)]));
    const configDir = join(dir.path, "cfg-mcp");
    const env = makeClaudeEnv(mock.url, configDir);
    configureFakeMcpServer(configDir);
    const before = mock.messageRequests().length;
    const result = await runPlanner(options({ env }));
    expect(result.plan).toEqual(validPlan);
    expect(mock.messageRequests().slice(before).map((r) => r.toolNames)).toEqual([["StructuredOutput"]]);
  });

  test("an invalid plan (cycle), then a valid one on the corrective retry (same session resumed) → Plan", async () => {
    const cyclic = {
      summary: "x",
      tasks: [
        { id: "a", agent_type: "developer", description: "A", depends_on: ["b"] },
        { id: "b", agent_type: "tester", description: "B", depends_on: ["a"] },
      ],
    };
    mock.script(queue([structuredOutputReply(cyclic), structuredOutputReply(validPlan)]));
    const before = mock.messageRequests().length;
    const t0 = performance.now();
    const result = await runPlanner(options());
    const elapsed = performance.now() - t0;
    expect(result.plan).toEqual(validPlan);
    expect(result.attempts).toBe(2);
    const requests = mock.messageRequests().slice(before);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.sessionId).toBe(requests[0]!.sessionId!);
    expect(result.sessionId).toBe(requests[0]!.sessionId!);
    expect(requests[1]!.lastUserText).toContain("tasks[1].depends_on[0]: dependency cycle a → b → a");
    expect(requests[1]!.lastUserText).toContain("call the StructuredOutput tool again");
    // The resumed conversation still holds the original prompt.
    expect(requests[1]!.allUserText).toContain("REQ-MARKER");
    expect(result.costUsd).toBeGreaterThan(0.0003); // both calls summed
    console.log(`planner: corrective retry in ${elapsed.toFixed(0)} ms`);
  });

  test("a text answer: the CLI enforces once, then the corrective retry asks again", async () => {
    mock.script(queue([textReply("Here is my plan in prose."), textReply("Still prose."), structuredOutputReply(validPlan)]));
    const result = await runPlanner(options());
    expect(result.plan).toEqual(validPlan);
    expect(result.attempts).toBe(2);
  });

  test("invalid twice → PlannerError naming the problem", async () => {
    const unknownDep = { summary: "x", tasks: [{ id: "a", agent_type: "developer", description: "A", depends_on: ["ghost"] }] };
    mock.script(queue([structuredOutputReply(unknownDep), structuredOutputReply(unknownDep)]));
    const error = await runPlanner(options()).catch((e) => e);
    expect(error).toBeInstanceOf(PlannerError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      'planner returned no valid plan after a corrective retry: tasks[0].depends_on[0]: unknown task "ghost"; expected one of the plan\'s task ids: a',
    );
    expect(error.hint).toContain("--plan");
    expect(error.costUsd).toBeGreaterThan(0);
  });

  test("StructuredOutput calls refused by the schema: the error says so, not 'answered in text'", async () => {
    // Every plan the model offers lacks `tasks`; after the schema error it answers in text.
    mock.script((req) =>
      req.hasToolResult("StructuredOutput") || req.lastUserText.includes("structured-output-enforce")
        ? textReply("I cannot make it fit.")
        : structuredOutputReply({ summary: "no tasks here" }),
    );
    const error = await runPlanner(options()).catch((e) => e);
    expect(error).toBeInstanceOf(PlannerError);
    expect(error.message).toMatch(/^planner returned no valid plan after a corrective retry: your StructuredOutput calls? (was|were) refused by the plan's JSON schema \(.*\)\.$/);
    expect(error.message).not.toContain("answered in text");
  });

  test("API error 400 → PlannerError at once, no retry", async () => {
    mock.script(() => errorReply(400, { message: "bad request from mock" }));
    const before = mock.messageRequests().length;
    const t0 = performance.now();
    const error = await runPlanner(options()).catch((e) => e);
    const elapsed = performance.now() - t0;
    expect(error).toBeInstanceOf(PlannerError);
    expect(error.message).toBe("planner failed: API Error: 400 bad request from mock");
    // One planner call: 2.1.197 sends the request once; newer CLIs retry a 400 themselves, in the same session.
    const requests = mock.messageRequests().slice(before);
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(new Set(requests.map((q) => q.sessionId)).size).toBe(1);
    expect(elapsed).toBeLessThan(5000);
    console.log(`planner: API 400 → PlannerError in ${elapsed.toFixed(0)} ms`);
  });

  test("API error 500 with CLAUDE_CODE_MAX_RETRIES=1 → PlannerError quickly; the retry is reported as it happens", async () => {
    mock.script(() => errorReply(500));
    const retries: ApiRetry[] = [];
    const t0 = performance.now();
    const error = await runPlanner(options({ onApiRetry: (r) => retries.push(r) }, { CLAUDE_CODE_MAX_RETRIES: "1" })).catch((e) => e);
    expect(retries).toMatchObject([{ attempt: 1, maxRetries: 1, status: 500 }]);
    const elapsed = performance.now() - t0;
    expect(error).toBeInstanceOf(PlannerError);
    expect(error.message).toStartWith("planner failed: API Error: 500 mock error 500");
    expect(elapsed).toBeLessThan(8000);
    console.log(`planner: API 500 (1 retry) → PlannerError in ${elapsed.toFixed(0)} ms`);
  });

  test("a hanging API → PlannerError after the wall-clock timeout, child killed", async () => {
    mock.script(() => hangReply());
    const t0 = performance.now();
    const error = await runPlanner(options({ timeoutMs: 2000 })).catch((e) => e);
    const elapsed = performance.now() - t0;
    expect(error).toBeInstanceOf(PlannerError);
    expect(error.message).toBe("planner timed out after 2 s");
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(6000);
  });

  test("abort signal → InterruptedError", async () => {
    mock.script(() => hangReply());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 800);
    const error = await runPlanner(options({ signal: controller.signal })).catch((e) => e);
    expect(error).toBeInstanceOf(InterruptedError);
  });

  test("a claude that cannot start properly → PlannerError with its stderr", async () => {
    const error = await runPlanner(options({ bin: "/bin/sh", env: { PATH: "/usr/bin:/bin" } })).catch((e) => e);
    expect(error).toBeInstanceOf(PlannerError);
    expect(error.message).toStartWith("planner (claude) ended without a result:");
  });
});

describe("plannerPrompt", () => {
  test("contains request, catalog, project and the planning rules", () => {
    const text = plannerPrompt("Do X", catalog, "Working directory: /p");
    expect(text).toContain("<request>\nDo X\n</request>");
    for (const a of catalog) expect(text).toContain(`- ${a.name}: `);
    expect(text).toContain("<project>\nWorking directory: /p\n</project>");
    expect(text).toContain("run in parallel");
    expect(text).toContain("StructuredOutput");
  });
});
