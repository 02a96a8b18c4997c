import type { Database } from "bun:sqlite";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCatalog } from "../../src/agents/catalog.ts";
import { definitionLookup, recordPlan } from "../../src/orchestrator/orchestrate.ts";
import { runToEnd, type RunReporter, type RunResult } from "../../src/orchestrator/run.ts";
import type { Plan } from "../../src/plan/plan.ts";
import { openDatabase } from "../../src/store/db.ts";
import { defaultRunOptions, insertOrchestration, type RunOptions } from "../../src/store/orchestrations.ts";
import { tempDir } from "./claude-env.ts";
import { fakeClaudePath, type FakeScript, type FakeStep } from "./fake-agent.ts";

export { defaultRunOptions };

export const silentReporter: RunReporter = { note() {}, close() {} };

export interface HarnessRun {
  db: Database;
  dir: string;
  logDir: string;
  orchestrationId: string;
  result: RunResult;
}

/** Tasks as [key, depends_on, agent_type?]. */
export function planOf(tasks: [string, string[], string?][]): Plan {
  return {
    summary: "test plan",
    tasks: tasks.map(([id, deps, type]) => ({ id, agent_type: type ?? "developer", description: `do ${id}`, depends_on: deps })),
  };
}

/**
 * Runs a plan in-process through the real scheduler with fake agents (fast and exact),
 * in a fresh temp dir and database.
 */
export async function runWithFakeAgents(
  plan: Plan,
  script: FakeScript | FakeStep[],
  options: Partial<RunOptions> & { graceMs?: number; reporter?: RunReporter; bin?: string } = {},
): Promise<HarnessRun> {
  const dir = tempDir("maos-run-").path;
  const logDir = join(dir, "agent-log");
  const db = openDatabase(join(dir, "maos.db"));
  const catalog = loadCatalog({ cwd: dir, home: null });
  const runOptions = { ...defaultRunOptions, ...options };
  const orchestrationId = crypto.randomUUID();
  const configDir = join(dir, "cfg");
  // A file, not FAKE_AGENT_SCRIPT: a script with a 20 MB line would not fit in the environment (E2BIG).
  const scriptFile = join(dir, "fake-script.json");
  writeFileSync(scriptFile, JSON.stringify(script));
  insertOrchestration(db, {
    id: orchestrationId,
    request: "test request",
    cwd: dir,
    claudeConfigDir: configDir,
    ownerPid: process.pid,
    ownerHost: "test",
    saveIntervalS: 30,
    options: runOptions,
  });
  recordPlan(db, orchestrationId, plan, catalog);
  const result = await runToEnd({
    db,
    orchestrationId,
    request: "test request",
    options: runOptions,
    saveIntervalS: 30,
    cwd: dir,
    claudeConfigDir: configDir,
    bin: options.bin ?? fakeClaudePath(),
    env: { ...(process.env as Record<string, string>), HOME: dir, FAKE_AGENT_SCRIPT_FILE: scriptFile, FAKE_AGENT_LOG: logDir, CLAUDE_CONFIG_DIR: configDir },
    definitionFor: definitionLookup(catalog),
    reporter: options.reporter ?? silentReporter,
    graceMs: options.graceMs ?? 2000,
  });
  return { db, dir, logDir, orchestrationId, result };
}
