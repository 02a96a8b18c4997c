import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/claude-env.ts";
import { runMaos } from "../support/cli.ts";
import { fakeClaudePath, type FakeStep } from "../support/fake-agent.ts";
import { makeRepo, type TestRepo } from "../support/git-repo.ts";
import { WorktreeRun } from "../support/worktree-run.ts";

const timeout = 120_000;

let repo: TestRepo;
beforeEach(() => {
  repo = makeRepo({ "README.md": "base\n" });
});
afterEach(() => repo.cleanup());

/** Two parallel tasks writing different files, and a third that needs both. */
const diamond = [
  { id: "a", description: "TASK-A" },
  { id: "b", description: "TASK-B" },
  { id: "c", description: "TASK-C", depends_on: ["a", "b"] },
];
const diamondScript = {
  byPrompt: {
    "TASK-A": [{ writeFile: { path: "a.txt", content: "A\n" } }, { text: "wrote a.txt" }],
    "TASK-B": [{ writeFile: { path: "b.txt", content: "B\n" } }, { text: "wrote b.txt" }],
    // Fails (no result file) unless both dependencies' work is in its worktree.
    "TASK-C": [{ sh: "test -f a.txt && test -f b.txt && cat a.txt b.txt > c.txt" }, { text: "combined" }],
  },
};

describe("--isolation worktree", () => {
  test(
    "parallel tasks work on branches of their own, the dependent sees both, and the result fast-forwards the user's branch; uncommitted changes untouched",
    async () => {
      writeFileSync(join(repo.path, "README.md"), "my local edit\n");
      writeFileSync(join(repo.path, "notes.txt"), "untracked\n");
      const run = new WorktreeRun(repo, diamondScript);
      const r = await run.orchestrate(diamond, ["--json"]);
      expect(r.stderr).not.toContain("isolation none");
      expect(r.code, r.stderr + r.stdout.slice(0, 3000)).toBe(0);
      const doc = JSON.parse(r.stdout);
      const short = doc.orchestration_id.slice(0, 8);
      expect(doc.status).toBe("completed");
      const ws = doc.workspace;
      expect(ws.base_branch).toBe("main");
      expect(ws.integration_branch).toBe(`maos/${short}/integration`);
      expect(ws.final_merge).toEqual({ outcome: "fast-forward", detail: null });
      expect(ws.tasks.map((t: { task: string }) => t.task).sort()).toEqual(["a", "b", "c"]);
      for (const t of ws.tasks) {
        expect(t.branch).toBe(`maos/${short}/task/${t.task}`);
        expect(t.merge).toBe("merged");
        expect(repo.git(["rev-parse", t.branch])).toBe(t.commit);
        expect(repo.git(["log", "-1", "--format=%an", t.commit])).toBe("maos");
      }
      // The user's branch now holds every task's work.
      expect(repo.git(["rev-parse", "main"])).toBe(ws.integration_commit);
      expect(readFileSync(join(repo.path, "c.txt"), "utf8")).toBe("A\nB\n");
      const subjects = run.subjects("main");
      expect(subjects.filter((s) => s.startsWith("maos @")).sort()).toEqual([
        "maos @a (developer): wrote a.txt",
        "maos @b (developer): wrote b.txt",
        "maos @c (developer): combined",
      ]);
      expect(subjects.filter((s) => s.startsWith("maos: merge @"))).toHaveLength(3);
      // Uncommitted changes stay as they were; maos's directory is not in the user's status.
      expect(readFileSync(join(repo.path, "README.md"), "utf8")).toBe("my local edit\n");
      expect(repo.git(["status", "--porcelain"]).split("\n").sort()).toEqual([" M README.md", "?? notes.txt"]);
      // status shows each task's branch and commit.
      const status = await run.maos(["orchestration", "status", short]);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`maos/${short}/task/a`);
      expect(status.stdout).toContain("Final merge: fast-forward");
      // diff: one task's change, and the whole run's.
      const one = JSON.parse((await run.maos(["orchestration", "diff", short, "@a", "--json"])).stdout);
      expect(one.files).toEqual(["a.txt"]);
      expect(one.patch).toContain("+A");
      const all = await run.maos(["orchestration", "diff", short]);
      expect(all.code).toBe(0);
      expect(all.stdout).toContain("the whole run:");
      expect(all.stdout).toContain("3 files changed");
      const missing = await run.maos(["orchestration", "diff", short, "@nope"]);
      expect(missing.code).toBe(3);
    },
    timeout,
  );

  test(
    "--no-merge leaves the integration branch and says the command; the user's branch does not move",
    async () => {
      const before = repo.git(["rev-parse", "main"]);
      const run = new WorktreeRun(repo, diamondScript);
      const r = await run.orchestrate(diamond.slice(0, 1), ["--json", "--no-merge"]);
      expect(r.code).toBe(0);
      const ws = JSON.parse(r.stdout).workspace;
      expect(ws.final_merge.outcome).toBe("kept");
      expect(ws.final_merge.detail).toContain(`git -C ${repo.path} merge ${ws.integration_branch}`);
      expect(repo.git(["rev-parse", "main"])).toBe(before);
      expect(run.subjects(ws.integration_branch)).toContain("maos @a (developer): wrote a.txt");
    },
    timeout,
  );

  test(
    "a user's uncommitted change to a file the run changed: the branch is left, nothing of theirs is touched",
    async () => {
      writeFileSync(join(repo.path, "a.txt"), "mine\n");
      const run = new WorktreeRun(repo, diamondScript);
      const r = await run.orchestrate(diamond.slice(0, 1), ["--json"]);
      expect(r.code).toBe(0);
      const ws = JSON.parse(r.stdout).workspace;
      expect(ws.final_merge.outcome).toBe("left");
      expect(ws.final_merge.detail).toContain("a.txt");
      expect(readFileSync(join(repo.path, "a.txt"), "utf8")).toBe("mine\n");
    },
    timeout,
  );

  test(
    "a merge conflict with --on-conflict stop: the dependent waits, status says what to do; resolved by hand, resume finishes",
    async () => {
      const script = {
        byPrompt: {
          "TASK-A": [{ writeFile: { path: "same.txt", content: "from a\n" } }, { text: "a done" }],
          "TASK-B": [{ writeFile: { path: "same.txt", content: "from b\n" } }, { text: "b done" }],
          "TASK-C": [{ sh: "cat same.txt > c.txt" }, { text: "c done" }],
        },
      };
      const run = new WorktreeRun(repo, script);
      const r = await run.orchestrate(diamond, ["--json", "--on-conflict", "stop"]);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      const short = doc.orchestration_id.slice(0, 8);
      const ws = doc.workspace;
      const conflicted = ws.tasks.find((t: { merge: string }) => t.merge === "conflict");
      expect(conflicted.conflicts).toEqual(["same.txt"]);
      expect(ws.tasks.filter((t: { merge: string }) => t.merge === "merged")).toHaveLength(1);
      expect(doc.tasks.find((t: { id: string }) => t.id === "c").status).toBe("pending");
      expect(ws.hint).toContain(`git merge ${conflicted.branch}`);
      expect(ws.final_merge).toBeNull();
      const status = await run.maos(["orchestration", "status", short]);
      expect(status.stdout).toContain("Merge conflict:");
      expect(status.stdout).toContain(`maos orchestration resume ${short}`);
      // The task's commit is kept on its branch; the integration worktree is clean again.
      expect(repo.git(["show", `${conflicted.branch}:same.txt`])).toBe(`from ${conflicted.task}`);
      expect(repo.git(["status", "--porcelain"], ws.integration_worktree)).toBe("");

      // Resolve as the hint says, then resume.
      expect(() => repo.git(["merge", conflicted.branch], ws.integration_worktree)).toThrow();
      writeFileSync(join(ws.integration_worktree, "same.txt"), "both\n");
      repo.git(["add", "same.txt"], ws.integration_worktree);
      repo.git(["commit", "-q", "--no-edit"], ws.integration_worktree);
      const resumed = await run.resume(short);
      expect(resumed.stderr).toContain("moved outside maos");
      expect(resumed.code).toBe(0);
      expect(readFileSync(join(repo.path, "c.txt"), "utf8")).toBe("both\n");
      expect(run.subjects("main").filter((s) => s.startsWith("maos @"))).toHaveLength(3);
    },
    timeout,
  );

  test(
    "a deleted task worktree is detected on resume and recreated from its branch, with a note",
    async () => {
      const run = new WorktreeRun(repo, {
        byPrompt: {
          "TASK-A": [{ writeFile: { path: "a.txt", content: "A\n" } }, { text: "a done" }],
          "TASK-B": [{ text: "not yet" }, { result: { is_error: true, subtype: "error_max_turns" } }],
        },
      });
      const tasks = [diamond[0]!, { id: "b", description: "TASK-B", depends_on: ["a"] }];
      const first = await run.orchestrate(tasks, ["--json", "--retries", "0"]);
      expect(first.code).toBe(1);
      const doc = JSON.parse(first.stdout);
      const b = doc.workspace.tasks.find((t: { task: string }) => t.task === "b");
      repo.git(["worktree", "remove", "--force", b.worktree]);
      const resumed = await run.resume(doc.orchestration_id);
      expect(resumed.stderr).toContain(`@b: its worktree ${b.worktree} disappeared; recreated from its branch`);
      expect(existsSync(join(b.worktree, "a.txt"))).toBe(true);
    },
    timeout,
  );
});

describe("--on-conflict resolve (the default)", () => {
  const conflicting = (resolver: FakeStep[]) => ({
    byPrompt: {
      "Resolve the git merge conflict": resolver,
      "TASK-A": [{ writeFile: { path: "same.txt", content: "from a\n" } }, { text: "a done" }],
      "TASK-B": [{ writeFile: { path: "same.txt", content: "from b\n" } }, { text: "b done" }],
      "TASK-C": [{ sh: "cat same.txt > c.txt" }, { text: "c done" }],
    },
  });

  test(
    "a resolver agent task, recorded like any other, finishes the conflicting merge; the dependent sees the resolution",
    async () => {
      const run = new WorktreeRun(repo, conflicting([{ sh: "grep -q '<<<<<<<' same.txt && printf 'both\\n' > same.txt" }, { text: "kept both" }]));
      const r = await run.orchestrate(diamond, ["--json"]);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      const resolver = doc.tasks.find((t: { id: string }) => t.id.startsWith("resolve-"));
      expect(resolver).toMatchObject({ agent_type: "developer", status: "completed", attempts: 1 });
      expect(resolver.session_id).toBeTruthy();
      const resolved = resolver.id.slice("resolve-".length);
      const other = resolved === "a" ? "b" : "a";
      // It was given the conflicting files and both tasks' results.
      const db = new Database(run.db, { readonly: true });
      const description = db.query<{ description: string }, [string]>("SELECT description FROM tasks WHERE task_key = ?").get(resolver.id)!.description;
      db.close();
      expect(description).toContain("same.txt");
      expect(description).toContain(`${resolved} done`);
      expect(description).toContain(`${other} done`);
      expect(doc.workspace.tasks.every((t: { merge: string }) => t.merge === "merged")).toBe(true);
      expect(readFileSync(join(repo.path, "c.txt"), "utf8")).toBe("both\n");
      expect(readFileSync(join(repo.path, "same.txt"), "utf8")).toBe("both\n");
      expect(run.subjects("main").filter((s) => s.startsWith("maos @")).sort()).toEqual([
        "maos @a (developer): a done",
        "maos @b (developer): b done",
        "maos @c (developer): c done",
        `maos @${resolver.id} (developer): kept both`,
      ]);
    },
    timeout,
  );

  test(
    "a resolver that leaves conflict markers fails; the conflict is left for the user, nothing lost",
    async () => {
      const run = new WorktreeRun(repo, conflicting([{ text: "gave up" }]));
      const r = await run.orchestrate(diamond, ["--json"]);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      const resolver = doc.tasks.find((t: { id: string }) => t.id.startsWith("resolve-"));
      expect(resolver.status).toBe("failed");
      expect(resolver.error).toContain("conflict markers left in same.txt");
      const conflicted = doc.workspace.tasks.find((t: { merge: string | null }) => t.merge === "conflict");
      expect(conflicted.task).toBe(resolver.id.slice("resolve-".length));
      expect(repo.git(["show", `${conflicted.branch}:same.txt`])).toBe(`from ${conflicted.task}`);
      expect(doc.tasks.find((t: { id: string }) => t.id === "c").status).toBe("pending");
      expect(doc.workspace.hint).toContain(`git merge ${conflicted.branch}`);
    },
    timeout,
  );
});

describe("interventions", () => {
  test(
    "skip of a running task: what its agent left is committed and merged, and its dependent sees it",
    async () => {
      const run = new WorktreeRun(repo, {
        byPrompt: {
          "TASK-A": [{ writeFile: { path: "a-part.txt", content: "half\n" } }, { hang: true }],
          "TASK-B": [{ sh: "cp a-part.txt b.txt" }, { text: "b done" }],
        },
      });
      const child = run.spawnOrchestrate([diamond[0]!, { id: "b", description: "TASK-B", depends_on: ["a"] }]);
      const worktrees = join(repo.path, ".maos", "worktrees");
      const part = () => (existsSync(worktrees) ? readdirSync(worktrees).map((d) => join(worktrees, d, "tasks", "a", "a-part.txt")).find(existsSync) : undefined);
      for (const deadline = Date.now() + 60_000; !part() && Date.now() < deadline; ) await Bun.sleep(50);
      const id = part()!.split("/").at(-4)!;
      const skip = await run.maos(["orchestration", "skip", id, "@a", "--result", "good enough"]);
      expect(skip.code).toBe(0);
      expect(await child.exited).toBe(0);
      expect(readFileSync(join(repo.path, "b.txt"), "utf8")).toBe("half\n");
      expect(run.subjects("main").filter((s) => s.startsWith("maos @"))).toEqual(["maos @a (developer): good enough", "maos @b (developer): b done"]);
    },
    timeout,
  );
});

describe("checkpoints", () => {
  test(
    "a checkpoint records each task's branch and commit; a fork from it starts its integration branch there",
    async () => {
      const log = tempDir("maos-fake-log-");
      try {
        const run = new WorktreeRun(repo, {
          byPrompt: {
            "TASK-A": [{ writeFile: { path: "a.txt", content: "A\n" } }, { text: "a done" }],
            // Fails the first time; the second time (in the fork) it needs a's work in its worktree.
            "TASK-B": { attempts: [[{ text: "no" }, { result: { is_error: true, subtype: "error_max_turns" } }], [{ sh: "cp a.txt b.txt" }, { text: "b done" }]] },
          },
        });
        const env = { FAKE_AGENT_LOG: log.path };
        const first = await run.orchestrate([diamond[0]!, { id: "b", description: "TASK-B", depends_on: ["a"] }], ["--json", "--retries", "0"], env);
        expect(first.code).toBe(1);
        const doc = JSON.parse(first.stdout);
        const short = doc.orchestration_id.slice(0, 8);
        expect((await run.maos(["orchestration", "checkpoint", short, "--name", "after-a"])).code).toBe(0);
        const listed = JSON.parse((await run.maos(["orchestration", "checkpoints", short, "--json"])).stdout);
        const code = listed.checkpoints[0].code;
        expect(code.integration_branch).toBe(doc.workspace.integration_branch);
        expect(code.integration_commit).toBe(doc.workspace.integration_commit);
        expect(code.tasks.a.commit).toBe(doc.workspace.tasks.find((t: { task: string }) => t.task === "a").commit);
        const fork = await run.maos(["orchestration", "fork", short, "--checkpoint", "after-a", "--auto", "--json"], env);
        expect(fork.code).toBe(0);
        expect(readFileSync(join(repo.path, "b.txt"), "utf8")).toBe("A\n");
        // Only the fork merged into main: a's work came with the checkpoint's integration commit, once.
        expect(run.subjects("main").filter((s) => s.startsWith("maos @"))).toEqual(["maos @a (developer): a done", "maos @b (developer): b done"]);
      } finally {
        log.cleanup();
      }
    },
    timeout,
  );
});

describe("orchestration cleanup", () => {
  test(
    "removes the worktrees and the merged branches; keeps a branch merged nowhere else until --force",
    async () => {
      const run = new WorktreeRun(repo, diamondScript);
      const merged = await run.orchestrate(diamond.slice(0, 1), ["--json"]);
      const kept = await run.orchestrate([{ id: "b", description: "TASK-B" }], ["--json", "--no-merge"]);
      expect(merged.code).toBe(0);
      expect(kept.code).toBe(0);
      const [m, k] = [JSON.parse(merged.stdout).workspace, JSON.parse(kept.stdout).workspace];
      const r = await run.maos(["orchestration", "cleanup", "--older-than", "0", "--json"]);
      expect(r.code).toBe(0);
      const git = JSON.parse(r.stdout).git as { orchestration_id: string; removed_worktrees: string[]; deleted_branches: string[]; kept: { what: string; reason: string }[] }[];
      expect(git).toHaveLength(2);
      for (const w of [m.integration_worktree, m.tasks[0].worktree, k.integration_worktree, k.tasks[0].worktree]) expect(existsSync(w)).toBe(false);
      // Everything of the merged run is in main: all its branches go.
      const branches = repo.git(["branch", "--list", "maos/*", "--format=%(refname:short)"]).split("\n").filter(Boolean);
      expect(branches).not.toContain(m.integration_branch);
      expect(branches).not.toContain(m.tasks[0].branch);
      // The --no-merge run's integration branch holds work found nowhere else: kept; its task branch is in it: deleted.
      expect(branches).toEqual([k.integration_branch]);
      const keptEntry = git.flatMap((g) => g.kept).find((e) => e.what === k.integration_branch);
      expect(keptEntry?.reason).toContain("--force");
      expect(repo.git(["worktree", "list", "--porcelain"]).match(/^worktree /gm)).toHaveLength(1);
    },
    timeout,
  );
});

describe("choosing the isolation", () => {
  test("outside a git repository the agents share the directory, said once on stderr; asking for worktrees there is refused", async () => {
    const dir = tempDir("maos-nogit-");
    try {
      const plan = join(dir.path, "plan.json");
      writeFileSync(plan, JSON.stringify({ tasks: [{ id: "a", agent_type: "developer", description: "x" }] }));
      const base = ["orchestrate", "x", "--auto", "--plan", plan, "--db", join(dir.path, "m.db"), "--claude-bin", fakeClaudePath()];
      const r = await runMaos([...base, "--json"], { cwd: dir.path });
      expect(r.code).toBe(0);
      expect(r.stderr.match(/not a git repository: the agents share this directory \(--isolation none\)/g)).toHaveLength(1);
      expect(JSON.parse(r.stdout).workspace).toBeNull();
      const refused = await runMaos([...base, "--isolation", "worktree"], { cwd: dir.path });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("--isolation worktree needs a git repository");
      const bad = await runMaos([...base, "--isolation", "docker"], { cwd: dir.path });
      expect(bad.code).toBe(2);
    } finally {
      dir.cleanup();
    }
  });

  test("--isolation none in a repository: agents work in the user's tree, no branch is made", async () => {
    const run = new WorktreeRun(repo, diamondScript);
    const r = await run.orchestrate(diamond.slice(0, 1), ["--json", "--isolation", "none"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).workspace).toBeNull();
    expect(readFileSync(join(repo.path, "a.txt"), "utf8")).toBe("A\n");
    expect(repo.git(["branch", "--list", "maos/*"])).toBe("");
  });
});
