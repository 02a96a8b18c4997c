import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runMaos, spawnMaos, type MaosResult } from "./cli.ts";
import { fakeClaudePath, type FakeScript } from "./fake-agent.ts";
import type { TestRepo } from "./git-repo.ts";

type PlanTask = { id: string; description: string; depends_on?: string[] };

/** Runs `maos` in a test repository with the fake agent, a plan file and one database beside the repository. */
export class WorktreeRun {
  readonly db: string;
  private readonly scriptFile: string;

  constructor(
    readonly repo: TestRepo,
    script: FakeScript,
  ) {
    this.db = join(repo.dir.path, "maos.db");
    this.scriptFile = join(repo.dir.path, "script.json");
    writeFileSync(this.scriptFile, JSON.stringify(script));
  }

  orchestrate(tasks: PlanTask[], extra: string[] = [], env: Record<string, string> = {}): Promise<MaosResult> {
    return this.maos([...this.orchestrateArgs(tasks), ...extra], env);
  }

  resume(id: string, env: Record<string, string> = {}): Promise<MaosResult> {
    return this.maos(["orchestration", "resume", id.slice(0, 8), "--auto", "--claude-bin", fakeClaudePath()], env);
  }

  /** Starts `maos orchestrate` without waiting (to kill it mid-run). */
  spawnOrchestrate(tasks: PlanTask[], env: Record<string, string> = {}) {
    return spawnMaos([...this.orchestrateArgs(tasks), "--db", this.db], this.options(env));
  }

  /** `orchestrate … --plan <the tasks as a plan file>` with the fake agent. */
  private orchestrateArgs(tasks: PlanTask[]): string[] {
    const plan = join(this.repo.dir.path, "plan.json");
    writeFileSync(plan, JSON.stringify({ tasks: tasks.map((t) => ({ agent_type: "developer", depends_on: [], ...t })) }));
    return ["orchestrate", "the request", "--auto", "--plan", plan, "--claude-bin", fakeClaudePath()];
  }

  private options(env: Record<string, string>) {
    return { cwd: this.repo.path, env: { FAKE_AGENT_SCRIPT_FILE: this.scriptFile, ...env } };
  }

  maos(args: string[], env: Record<string, string> = {}): Promise<MaosResult> {
    return runMaos([...args, "--db", this.db], this.options(env));
  }

  /** Subjects of the commits reachable from `ref` and not from the initial commit, oldest first. */
  subjects(ref: string): string[] {
    const root = this.repo.git(["rev-list", "--max-parents=0", "HEAD"]);
    return this.repo.git(["log", "--reverse", "--format=%s", ref, `^${root}`]).split("\n").filter(Boolean);
  }
}
