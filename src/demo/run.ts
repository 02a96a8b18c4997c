import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RunFailedError } from "../errors.ts";
import { listEvents } from "../store/events.ts";
import { listOrchestrations } from "../store/orchestrations.ts";
import { openReadOnly } from "../store/read-only.ts";
import { taskId } from "../store/tasks.ts";
import { crashDuring, demoPlan, demoRequest } from "./script.ts";

export interface DemoInput {
  /** Where the demo keeps its project, database and simulated agents' transcripts. */
  dir: string;
  /** How to run this maos again (the binary, or bun and the entry script). */
  self: string[];
  note: (text: string) => void;
}

export interface DemoResult {
  dir: string;
  db: string;
  orchestrationId: string;
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `maos demo`: a complete orchestration of simulated agents (this binary, `maos demo agent`,
 * in place of claude) in its own directory — the plan runs with parallel agents and a
 * message between two of them, maos is killed (kill -9) while two agents work, and a
 * resume continues their sessions where they stopped. Every step is the real maos: only
 * the agents are simulated, so no credentials and no network are needed.
 */
export async function runDemo(input: DemoInput): Promise<DemoResult> {
  const { dir } = input;
  const project = join(dir, "project");
  const db = join(dir, "maos.db");
  mkdirSync(join(dir, "bin"), { recursive: true });
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "plan.json"), `${JSON.stringify(demoPlan, null, 2)}\n`);
  // The stand-in for claude: this maos, as the simulated agent (its arguments after `--`).
  const agent = join(dir, "bin", "claude");
  writeFileSync(agent, `#!/bin/sh\nexec ${input.self.map(shQuote).join(" ")} demo agent -- "$@"\n`);
  chmodSync(agent, 0o755);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("MAOS_")) env[k] = v;
  Object.assign(env, { MAOS_DB: db, MAOS_CLAUDE_BIN: agent, CLAUDE_CONFIG_DIR: join(dir, "claude-config") });
  const maos = (args: string[], stdout: "inherit" | "ignore") =>
    Bun.spawn([...input.self, ...args], { cwd: project, env, stdin: "ignore", stdout, stderr: "inherit" });

  input.note("Running the plan with simulated agents…");
  const first = maos(["orchestrate", demoRequest, "--plan", "plan.json", "--auto", "--max-parallel", "2"], "ignore");
  const id = await crashPoint(db, first.exited);
  first.kill("SIGKILL");
  await first.exited;
  input.note(`Simulated crash: maos was killed (kill -9) while @${crashDuring.join(" and @")} were working. Everything they did so far is in the database.`);
  input.note(`Resuming: maos orchestration resume ${id.slice(0, 8)} --auto`);
  const resumed = maos(["orchestration", "resume", id, "--auto"], "inherit");
  const code = await resumed.exited;
  if (code !== 0) throw new RunFailedError(`the demo's resume ended with exit code ${code}`, `see ${join(dir, "maos.log")}`);
  return { dir, db, orchestrationId: id };
}

/**
 * Waits until both crash tasks have streamed a few lines (@api has sent its message on its third),
 * so the kill lands while they are mid-task. Returns the orchestration id.
 */
async function crashPoint(dbPath: string, exited: Promise<number>): Promise<string> {
  let ended = false;
  void exited.then(() => (ended = true));
  for (;;) {
    if (ended) throw new RunFailedError("the demo's first run ended before the simulated crash", "run `maos demo` again; see maos.log in the demo directory");
    const db = openReadOnly(dbPath);
    if (db) {
      try {
        const id = listOrchestrations(db, { limit: 1 })[0]?.id;
        const said = (key: string) => (id ? listEvents(db, taskId(id, key)).filter((e) => e.type === "assistant").length : 0);
        if (id && said("api") >= 3 && said("ui") >= 2) return id;
      } catch {
        // The schema is still being created.
      } finally {
        db.close();
      }
    }
    await Bun.sleep(50);
  }
}
