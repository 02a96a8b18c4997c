/**
 * `maos orchestration resume` with run flags, through the compiled binary with fake agents:
 * a run stopped by its --agent-timeout or by its --budget-usd continues with new values,
 * the changes are recorded and shown, stop reasons already recorded are never written
 * over, and the recorded --durability holds on resume.
 */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type TempDir } from "../support/claude-env.ts";
import { dumpDatabase, fileFingerprint } from "../support/db-state.ts";
import type { FakeScript } from "../support/fake-agent.ts";
import { finish, scenarioEnv, scriptKey, spawnMaosIn, withDb } from "../crash/scenario.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

interface Setup {
  dir: TempDir;
  db: string;
  run: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
  query: <T>(sql: string) => T[];
  [Symbol.dispose](): void;
}

/** A working directory with a plan of developer tasks and a fake agent script per task. */
function setUp(tasks: { id: string; deps?: string[] }[], scripts: Record<string, FakeScript>): Setup {
  const dir = tempDir("maos-resume-options-");
  const plan = tasks.map((t) => ({ id: t.id, agent_type: "developer", description: `Task ${t.id}`, depends_on: t.deps ?? [] }));
  writeFileSync(join(dir.path, "plan.json"), JSON.stringify({ tasks: plan }));
  const byPrompt = Object.fromEntries(Object.entries(scripts).map(([task, script]) => [scriptKey(task), script]));
  writeFileSync(join(dir.path, "script.json"), JSON.stringify({ byPrompt }));
  const db = join(dir.path, "maos.db");
  const env = scenarioEnv(dir.path);
  return {
    dir,
    db,
    run: (args) => finish(spawnMaosIn(dir.path, [...args, "--db", db], env), scaled(60_000)),
    query: <T>(sql: string) => withDb(db, (d) => d.query<T, []>(sql).all()) ?? [],
    [Symbol.dispose]: () => dir.cleanup(),
  };
}

const orchestrate = ["orchestrate", "resume options test", "--plan", "plan.json", "--auto"];

function orchestrationId(s: Setup): string {
  return s.query<{ id: string }>("SELECT id FROM orchestrations")[0]!.id;
}

function storedOptions(s: Setup): Record<string, unknown> {
  return JSON.parse(s.query<{ options: string }>("SELECT options FROM orchestrations")[0]!.options);
}

function tasks(s: Setup) {
  return s.query<{ task_key: string; status: string; error: string | null }>("SELECT task_key, status, error FROM tasks ORDER BY position");
}

function attempts(s: Setup) {
  return s.query<{ task: string; attempt: number; status: string; reason: string | null }>(
    "SELECT t.task_key AS task, a.attempt, a.status, a.reason FROM attempts a JOIN tasks t ON t.id = a.task_id ORDER BY t.task_key, a.attempt",
  );
}

describe("maos orchestration resume with run flags", () => {
  test("a run stopped by --agent-timeout 1 resumes with --agent-timeout 30 and completes; status shows the change", async () => {
    using s = setUp([{ id: "slow" }], { slow: { steps: [{ sleepMs: 2500 }, { text: "slow done" }] } });
    const first = await s.run([...orchestrate, "--agent-timeout", "1", "--retries", "0"]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain("fix the cause");
    expect(tasks(s)).toEqual([{ task_key: "slow", status: "failed", error: "timed out after 1 s (--agent-timeout)" }]);
    const id = orchestrationId(s);

    const resumed = await s.run(["orchestration", "resume", id.slice(0, 8), "--agent-timeout", "30", "--auto", "--json"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("Options changed (kept for later resumes): --agent-timeout 1 s → 30 s");
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: "completed", tasks: [{ id: "slow", status: "completed", result: "slow done" }] });
    expect(attempts(s)).toEqual([
      { task: "slow", attempt: 1, status: "failed", reason: "timed out after 1 s (--agent-timeout)" },
      { task: "slow", attempt: 2, status: "completed", reason: null },
    ]);
    // Stored for later resumes; everything else as recorded.
    expect(storedOptions(s)).toMatchObject({ agentTimeoutS: 30, retries: 0, durability: "full" });

    const status = await s.run(["orchestration", "status", id.slice(0, 8)]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Resumes:\n.*OPTIONS CHANGED[^\n]*\n.*\n.*failed .*--agent-timeout 1 s → 30 s/);
    const json = JSON.parse((await s.run(["orchestration", "status", id.slice(0, 8), "--json"])).stdout);
    expect(json.resumes).toHaveLength(1);
    expect(json.resumes[0].previous_status).toBe("failed");
    expect(json.resumes[0].option_changes).toEqual([{ option: "agentTimeoutS", flag: "--agent-timeout", from: 1, to: 30 }]);
    expect(json.orchestration.options).toMatchObject({ agentTimeoutS: 30, retries: 0 });
  }, scaled(120_000));

  test("a budget-stopped run: refused while the budget is spent, then continues with a higher --budget-usd, keeping every recorded reason", async () => {
    // @a spends $0.10 of a $0.05 budget and stops on it; @c waits for a free slot; @b needs both.
    using s = setUp([{ id: "a" }, { id: "b", deps: ["a", "c"] }, { id: "c" }], {
      a: {
        attempts: [
          // Stopped by its budget mid-turn (a turn that ended normally would keep its answer).
          [{ text: "a spent it" }, { cost: 0.1 }, { result: { subtype: "error_max_budget_usd", is_error: true, stop_reason: "tool_use", terminal_reason: "max_budget" } }],
          [{ text: "a done" }, { cost: 0.015 }],
        ],
      },
      b: { steps: [{ text: "b done" }] },
      c: { steps: [{ text: "c done" }, { cost: 0.015 }] },
    });
    const first = await s.run([...orchestrate, "--budget-usd", "0.05", "--max-parallel", "1"]);
    expect(first.code).toBe(1);
    const id = orchestrationId(s);
    const short = id.slice(0, 8);
    const notStarted = "not started: the --budget-usd budget was spent";
    const blocked = "blocked: dependency @a did not complete";
    // The hint of the failed run is a command that works: with a higher budget.
    expect(first.stderr).toContain(`fix the cause, then \`maos orchestration resume ${short} --budget-usd 0.15\``);
    const aReason = attempts(s)[0]!.reason!;
    expect(aReason).toStartWith("reached its budget");
    expect(tasks(s)).toEqual([
      { task_key: "a", status: "failed", error: aReason },
      { task_key: "b", status: "blocked", error: blocked },
      { task_key: "c", status: "cancelled", error: notStarted },
    ]);

    // Without a higher budget nothing could run: one line, exit 2, nothing written.
    const dump = dumpDatabase(s.db);
    const files = fileFingerprint(s.db);
    const spent = await s.run(["orchestration", "resume", short, "--auto"]);
    expect(spent.code).toBe(2);
    expect(spent.stderr.trim().split("\n")).toEqual([
      `maos: the --budget-usd budget of $0.05 for orchestration ${short} is spent ($0.10 so far); resuming would start no agent — raise it: maos orchestration resume ${short} --budget-usd 0.15`,
    ]);
    const lower = await s.run(["orchestration", "resume", short, "--auto", "--budget-usd", "0.1"]);
    expect(lower.code).toBe(2);
    expect(lower.stderr).toContain(`--budget-usd 0.1 is not above the $0.10 orchestration ${short} has already spent`);
    expect(dumpDatabase(s.db)).toBe(dump);
    expect(fileFingerprint(s.db)).toBe(files);

    // A little more, two at a time: @a and @c run and spend it; @b (waiting for both) stops
    // again without starting, and its earlier reason stays, with the new one after it.
    const little = await s.run(["orchestration", "resume", short, "--auto", "--budget-usd", "0.12", "--max-parallel", "2"]);
    expect(little.code).toBe(1);
    expect(tasks(s)).toEqual([
      { task_key: "a", status: "completed", error: null },
      { task_key: "b", status: "cancelled", error: `${blocked}; then ${notStarted}` },
      { task_key: "c", status: "completed", error: null },
    ]);

    const enough = await s.run(["orchestration", "resume", short, "--auto", "--budget-usd", "1", "--json"]);
    expect(enough.code).toBe(0);
    const summary = JSON.parse(enough.stdout);
    expect(summary.status).toBe("completed");
    expect(summary.tasks.map((t: { id: string; status: string; error: string | null }) => [t.id, t.status, t.error])).toEqual([
      ["a", "completed", null],
      ["b", "completed", null],
      ["c", "completed", null],
    ]);
    // Every attempt's reason is still there, and nothing ran twice.
    expect(attempts(s)).toEqual([
      { task: "a", attempt: 1, status: "failed", reason: aReason },
      { task: "a", attempt: 2, status: "completed", reason: null },
      { task: "b", attempt: 1, status: "completed", reason: null },
      { task: "c", attempt: 1, status: "completed", reason: null },
    ]);
    expect(storedOptions(s)).toMatchObject({ budgetUsd: 1, maxParallel: 2 });
    const json = JSON.parse((await s.run(["orchestration", "status", short, "--json"])).stdout);
    expect(json.resumes.map((r: { option_changes: unknown[] }) => r.option_changes)).toEqual([
      [
        { option: "maxParallel", flag: "--max-parallel", from: 1, to: 2 },
        { option: "budgetUsd", flag: "--budget-usd", from: 0.05, to: 0.12 },
      ],
      [{ option: "budgetUsd", flag: "--budget-usd", from: 0.12, to: 1 }],
    ]);
  }, scaled(120_000));

  test("--durability normal survives a resume, and a resume can change it", async () => {
    using s = setUp([{ id: "x" }], { x: { attempts: [[{ crash: 1 }], [{ text: "x failed again" }, { crash: 1 }], [{ text: "x done" }]] } });
    expect((await s.run([...orchestrate, "--durability", "normal", "--retries", "0"])).code).toBe(1);
    expect(storedOptions(s)).toMatchObject({ durability: "normal" });
    const short = orchestrationId(s).slice(0, 8);

    // The resume opens the database with the default, then applies the recorded durability to its connection.
    const kept = await s.run(["orchestration", "resume", short, "--auto", "--verbose"]);
    expect(kept.code).toBe(1);
    expect(kept.stderr).toContain("database synchronous=NORMAL (durability normal)");
    expect(kept.stderr).toContain("Options: as recorded");

    const changed = await s.run(["orchestration", "resume", short, "--auto", "--verbose", "--durability", "full"]);
    expect(changed.code).toBe(0);
    expect(changed.stderr).toContain("database synchronous=FULL (durability full)");
    expect(changed.stderr).toContain("--durability normal → full");
    expect(storedOptions(s)).toMatchObject({ durability: "full" });
  }, scaled(120_000));
});
