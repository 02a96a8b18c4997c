import { afterEach, beforeEach, expect, test } from "bun:test";
import { compileRunContext } from "../../src/orchestrator/run-context.ts";
import { getOrchestration, insertOrchestration, readOptions, setOptions } from "../../src/store/orchestrations.ts";
import { createTestDb, defaultRunOptions, type TestDb } from "../support/fixtures.ts";

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

const definitionFor = () => {
  throw new Error("not used");
};

function record(claudeConfigDir: string | null): string {
  const id = crypto.randomUUID();
  insertOrchestration(t.db, {
    id,
    request: "Build it",
    cwd: "/work/project",
    claudeConfigDir,
    ownerPid: process.pid,
    ownerHost: "test",
    saveIntervalS: 45,
    options: { ...defaultRunOptions, permissionMode: "acceptEdits", durability: "normal" },
  });
  return id;
}

test("the context is the orchestration row: request, cwd, config dir, save interval, every option, agent env", () => {
  const id = record("/cfg/recorded");
  const ctx = compileRunContext(t.db, getOrchestration(t.db, id)!, {
    bin: "/bin/claude",
    definitionFor,
    baseEnv: { PATH: "/usr/bin", CLAUDE_CONFIG_DIR: "/cfg/now" },
  });
  expect(ctx).toMatchObject({
    orchestrationId: id,
    request: "Build it",
    cwd: "/work/project",
    claudeConfigDir: "/cfg/recorded",
    saveIntervalS: 45,
    bin: "/bin/claude",
    options: { ...defaultRunOptions, permissionMode: "acceptEdits", durability: "normal" },
  });
  // The recorded config dir wins over today's: the transcripts to resume are there.
  expect(ctx.env).toMatchObject({ PATH: "/usr/bin", CLAUDE_CONFIG_DIR: "/cfg/recorded" });
});

test("options a resume stored are what the next context runs with; no recorded config dir means claude's default", () => {
  const id = record(null);
  setOptions(t.db, id, { ...readOptions(getOrchestration(t.db, id)!), agentTimeoutS: 30, budgetUsd: 2 });
  const ctx = compileRunContext(t.db, getOrchestration(t.db, id)!, { bin: "claude", definitionFor, baseEnv: { CLAUDE_CONFIG_DIR: "/cfg/now" } });
  expect(ctx.options).toMatchObject({ agentTimeoutS: 30, budgetUsd: 2, durability: "normal" });
  expect(ctx.claudeConfigDir).toBeNull();
  expect(ctx.env.CLAUDE_CONFIG_DIR).toBeUndefined();
});
