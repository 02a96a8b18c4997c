import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/claude-env.ts";
import { makeRepo, type TestRepo } from "../support/git-repo.ts";
import { WorktreeRun } from "../support/worktree-run.ts";

/**
 * SIGKILL of maos at named moments of a merge (MAOS_FAULT fault points), then resume:
 * every task's commit ends in the user's branch exactly once, and every merge is recorded
 * as done exactly once.
 */
const timeout = 120_000;

let repo: TestRepo;
beforeEach(() => {
  repo = makeRepo({ "README.md": "base\n" });
});
afterEach(() => repo.cleanup());

const tasks = [
  { id: "a", description: "TASK-A" },
  { id: "b", description: "TASK-B", depends_on: ["a"] },
];
const script = {
  byPrompt: {
    "TASK-A": [{ writeFile: { path: "a.txt", content: "A\n" } }, { text: "a done" }],
    "TASK-B": [{ writeFile: { path: "b.txt", content: "B\n" } }, { text: "b done" }],
  },
};

interface MergeRecord {
  task_key: string | null;
  status: string;
}

function mergeRows(dbPath: string): MergeRecord[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db
      .query<MergeRecord, []>("SELECT t.task_key, m.status FROM merges m LEFT JOIN tasks t ON t.id = m.task_id ORDER BY m.id")
      .all();
  } finally {
    db.close();
  }
}

function orchestrationId(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.query<{ id: string }, []>("SELECT id FROM orchestrations").get()!.id;
  } finally {
    db.close();
  }
}

/** Each task's commit and merge commit exactly once in `main`, and the files of both tasks there. */
function expectEverythingOnce(run: WorktreeRun): void {
  const subjects = run.subjects("main");
  expect(subjects.filter((s) => s.startsWith("maos @a"))).toEqual(["maos @a (developer): a done"]);
  expect(subjects.filter((s) => s.startsWith("maos @b"))).toEqual(["maos @b (developer): b done"]);
  expect(subjects.filter((s) => s.startsWith("maos: merge @a"))).toHaveLength(1);
  expect(subjects.filter((s) => s.startsWith("maos: merge @b"))).toHaveLength(1);
  expect(readFileSync(join(repo.path, "a.txt"), "utf8")).toBe("A\n");
  expect(readFileSync(join(repo.path, "b.txt"), "utf8")).toBe("B\n");
  expect(repo.git(["status", "--porcelain"])).toBe("");
  const merged = mergeRows(run.db).filter((m) => m.status === "merged");
  expect(merged.map((m) => m.task_key)).toEqual(["a", "b", null]);
}

describe("SIGKILL at a fault point around a merge, then resume", () => {
  const cases: [string, string[]][] = [
    // Recorded as started, git not run: the merge is rolled back (nothing to roll back) and redone.
    ["merge-before", ["a:aborted", "a:merged", "b:merged", "final:merged"]],
    // git merged, not recorded: resume finds the task's commit in the integration branch and records it.
    ["merge-after", ["a:merged", "b:merged", "final:merged"]],
    ["final-merge-before", ["a:merged", "b:merged", "final:aborted", "final:merged"]],
    ["final-merge-after", ["a:merged", "b:merged", "final:merged"]],
  ];
  for (const [fault, history] of cases) {
    test(
      fault,
      async () => {
        const run = new WorktreeRun(repo, script);
        const killed = await run.orchestrate(tasks, [], { MAOS_FAULT: fault });
        expect(killed.code).not.toBe(0);
        expect(killed.stdout).toBe("");
        const id = orchestrationId(run.db);
        const resumed = await run.resume(id, { MAOS_FAULT: "" });
        expect(resumed.code).toBe(0);
        expectEverythingOnce(run);
        expect(mergeRows(run.db).map((m) => `${m.task_key ?? "final"}:${m.status}`)).toEqual(history);
        // A second resume has nothing to do and merges nothing again.
        const again = await run.resume(id);
        expect(again.code).toBe(0);
        expectEverythingOnce(run);
      },
      timeout,
    );
  }

  test(
    "SIGKILL while an agent works: its files stay in its worktree and are committed once when the resumed task completes",
    async () => {
      const log = tempDir("maos-fake-log-");
      try {
        const run = new WorktreeRun(repo, {
          byPrompt: {
            "TASK-A": { attempts: [[{ writeFile: { path: "a-part1.txt", content: "1\n" } }, { hang: true }], [{ writeFile: { path: "a.txt", content: "A\n" } }, { text: "a done" }]] },
            "TASK-B": [{ writeFile: { path: "b.txt", content: "B\n" } }, { text: "b done" }],
          },
        });
        const child = run.spawnOrchestrate(tasks, { FAKE_AGENT_LOG: log.path });
        const worktrees = join(repo.path, ".maos", "worktrees");
        const partFile = () => (existsSync(worktrees) ? readdirSync(worktrees).map((d) => join(worktrees, d, "tasks", "a", "a-part1.txt")).find(existsSync) : undefined);
        // Wait for the agent's first file (an event on disk), with a generous deadline for a loaded machine.
        for (const deadline = Date.now() + 60_000; !partFile() && Date.now() < deadline; ) await Bun.sleep(50);
        expect(partFile()).toBeDefined();
        child.kill("SIGKILL");
        await child.exited;
        const resumed = await run.resume(orchestrationId(run.db), { FAKE_AGENT_LOG: log.path });
        expect(resumed.code).toBe(0);
        expectEverythingOnce(run);
        expect(readFileSync(join(repo.path, "a-part1.txt"), "utf8")).toBe("1\n");
      } finally {
        log.cleanup();
      }
    },
    timeout,
  );
});
