import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/claude-env.ts";
import { runMaos } from "../support/cli.ts";

/** PATH without any directory that holds a `claude`, and no credentials: a fresh machine. */
function freshMachineEnv(home: string): Record<string, string | undefined> {
  const path = (process.env.PATH ?? "/usr/bin:/bin").split(":").filter((d) => d && !existsSync(join(d, "claude"))).join(":");
  const env: Record<string, string | undefined> = { PATH: path, HOME: home, NO_COLOR: "1" };
  for (const k of Object.keys(process.env)) if (/^(ANTHROPIC_|CLAUDE_|MAOS_)/.test(k)) env[k] = undefined;
  // Any attempt to reach the API would fail here: nothing listens on port 9.
  env.ANTHROPIC_BASE_URL = "http://127.0.0.1:9";
  return env;
}

test("maos demo --auto runs a whole orchestration with simulated agents, a crash and a resume, with no claude and no network: exit 0", async () => {
  const home = tempDir("maos-demo-home-").path;
  const dir = join(tempDir("maos-demo-").path, "demo");
  const r = await runMaos(["demo", "--auto", "--dir", dir], { env: freshMachineEnv(home), cwd: home });
  expect(r.stderr).toContain("SIMULATED agents: no Claude, no network, no cost");
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("Simulated crash: maos was killed (kill -9) while @api and @ui were working.");
  expect(r.stdout).toContain("Progress: ████████████ 100% (4/4 tasks)");
  expect(r.stdout).toContain("That was a simulated run");
  expect(r.stdout).toMatch(/maos orchestration status [0-9a-f]{8} --tasks --messages --db /);

  const db = new Database(join(dir, "maos.db"), { readonly: true });
  try {
    expect(db.query("SELECT status FROM orchestrations").all()).toEqual([{ status: "completed" }]);
    expect(db.query("SELECT COUNT(*) AS n FROM resumes").get()).toEqual({ n: 1 });
    // The crash hit @api and @ui mid-task; the resume continued their own sessions.
    const api = db.query<{ attempt: number; resumed: number; cause: string }, []>(
      "SELECT a.attempt, a.resumed, a.cause FROM attempts a JOIN tasks t ON t.id = a.task_id WHERE t.task_key = 'api' ORDER BY a.attempt",
    ).all();
    expect(api).toEqual([{ attempt: 1, resumed: 0, cause: "maos-stopped" }, { attempt: 2, resumed: 1, cause: "completed" }]);
    expect(db.query("SELECT COUNT(*) AS n FROM events WHERE raw LIKE '%Resuming my session%'").get()).toEqual({ n: 2 });
    expect(db.query("SELECT to_task, message_type FROM messages WHERE message_type = 'message'").all()).toEqual([{ to_task: "ui", message_type: "message" }]);
    expect(db.query("SELECT COUNT(*) AS n FROM tasks WHERE status = 'completed' AND completed_count = 1").get()).toEqual({ n: 4 });
  } finally {
    db.close();
  }
}, 180_000);

test("maos demo without --auto and without a terminal refuses (exit 2) and starts nothing", async () => {
  const home = tempDir("maos-demo-home-").path;
  const r = await runMaos(["demo", "--dir", join(home, "d")], { env: freshMachineEnv(home), cwd: home });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe("maos: no terminal to ask for approval; pass --auto\n");
  expect(existsSync(join(home, "d"))).toBe(false);
});
