/**
 * What worktree isolation adds per task on a repository of 10,000 files: setting up the
 * task's worktree (Workspace.cwdFor: checks, `git worktree add` on a new branch) and, once it
 * completed, committing its work and merging its branch into the integration branch
 * (Workspace.taskCompleted), both through the real code on a real repository.
 *
 * Checking out 10,000 files is git's own work and costs what the filesystem costs (seconds
 * on a slow virtual disk): each set-up is paired with a plain `git worktree add` of the same
 * commit, and the row with the target is the time maos adds on top of it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Workspace } from "../src/orchestrator/workspace.ts";
import { listTasks, setTaskStatus } from "../src/store/tasks.ts";
import { tempDir } from "../test/support/claude-env.ts";
import { buildOrchestration, createTestDb } from "../test/support/fixtures.ts";
import type { BenchRow } from "./index.ts";

const files = 10_000;
const tasks = 8;
const targetMs = 150;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

function gitIn(cwd: string, args: string[]): void {
  const r = Bun.spawnSync(["git", "-c", "user.name=bench", "-c", "user.email=b@x", ...args], { cwd, stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
}

function makeLargeRepo(root: string): string {
  const repo = join(root, "repo");
  for (let d = 0; d < files / 100; d++) {
    mkdirSync(join(repo, `dir${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(repo, `dir${d}`, `file${f}.txt`), `file ${d}/${f}\n`);
  }
  gitIn(repo, ["init", "-q", "-b", "main"]);
  gitIn(repo, ["add", "."]);
  gitIn(repo, ["commit", "-q", "-m", "10k files"]);
  return repo;
}

export default async function worktreesBench(): Promise<BenchRow[]> {
  const dir = tempDir("maos-bench-wt-");
  const t = createTestDb();
  try {
    const repo = makeLargeRepo(dir.path);
    const o = buildOrchestration(t.db, { status: "running", tasks: Array.from({ length: tasks }, (_, i) => ({ key: `t${i}` })) });
    const ws = await Workspace.open(t.db, o.id, repo, {
      onConflict: "stop",
      definitionFor: () => {
        throw new Error("no conflicts in this bench");
      },
      note: () => {},
    });
    const setup: number[] = [];
    const plain: number[] = [];
    const merge: number[] = [];
    const plainMerge: number[] = [];
    const plainIntegration = join(dir.path, "plain-integration");
    gitIn(repo, ["worktree", "add", "-q", "-b", "plain-integration", plainIntegration, "HEAD"]);
    for (const task of listTasks(t.db, o.id)) {
      let t0 = performance.now();
      gitIn(repo, ["worktree", "add", "-q", "-b", `plain-${task.task_key}`, join(dir.path, `plain-${task.task_key}`), "HEAD"]);
      plain.push(performance.now() - t0);
      t0 = performance.now();
      const cwd = await ws.cwdFor(task);
      setup.push(performance.now() - t0);
      // Each task edits one existing file and adds one: a typical small change.
      for (const tree of [cwd, join(dir.path, `plain-${task.task_key}`)]) {
        writeFileSync(join(tree, "dir0", `file${task.position}.txt`), `changed by ${task.task_key}\n`);
        writeFileSync(join(tree, `${task.task_key}.txt`), "new\n");
      }
      t0 = performance.now();
      gitIn(join(dir.path, `plain-${task.task_key}`), ["add", "--all"]);
      gitIn(join(dir.path, `plain-${task.task_key}`), ["commit", "-q", "-m", "work"]);
      gitIn(plainIntegration, ["merge", "-q", "--no-ff", "--no-edit", `plain-${task.task_key}`]);
      plainMerge.push(performance.now() - t0);
      setTaskStatus(t.db, task.id, "completed");
      t0 = performance.now();
      await ws.taskCompleted(task);
      merge.push(performance.now() - t0);
    }
    const added = setup.map((s, i) => s - plain[i]!);
    const spread = (xs: number[]) => `p10–p90 ${pct(xs, 0.1).toFixed(0)}–${pct(xs, 0.9).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)}`;
    return [
      {
        name: "worktree set-up: time maos adds to git's checkout",
        value: Math.round(median(added)),
        unit: "ms",
        spread: spread(added),
        target: `≤ ${targetMs} ms`,
        pass: median(added) <= targetMs,
        note: `${tasks} tasks, ${files} files: Workspace.cwdFor minus a plain \`git worktree add\` of the same commit run just before it`,
      },
      {
        name: "worktree set-up, total (10,000-file checkout included)",
        value: Math.round(median(setup)),
        unit: "ms",
        spread: spread(setup),
        note: `a plain \`git worktree add\` took a median ${median(plain).toFixed(0)} ms here: the checkout is the filesystem's cost`,
      },
      {
        name: "commit + merge: time maos adds to git's own",
        value: Math.round(median(merge.map((m, i) => m - plainMerge[i]!))),
        unit: "ms",
        spread: spread(merge.map((m, i) => m - plainMerge[i]!)),
        target: `≤ ${targetMs} ms`,
        pass: median(merge.map((m, i) => m - plainMerge[i]!)) <= targetMs,
        note: `Workspace.taskCompleted minus a plain add --all, commit and merge --no-ff of the same change`,
      },
      {
        name: "commit + merge per task, total (10,000-file repository)",
        value: Math.round(median(merge)),
        unit: "ms",
        spread: spread(merge),
        note: `${tasks} tasks: git add --all (stats every file), commit, merge --no-ff in the integration worktree, recorded before and after; plain git: median ${median(plainMerge).toFixed(0)} ms`,
      },
    ];
  } finally {
    t.cleanup();
    dir.cleanup();
  }
}
