// Issue 11, end to end: dist/maos runs the REAL claude CLI against the mock in a git
// repository; two parallel agents edit the same file (different lines) and files of their
// own in worktrees of their own, the dependent agent sees both results in its worktree, and
// the integration branch is merged into the user's branch.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { route, textReply, toolUseReply } from "../support/mock-anthropic.ts";
import { startE2E, taskMarker } from "../support/e2e.ts";
import { initRepository, maosCommitSubjects, runGit } from "../support/git-repo.ts";

setDefaultTimeout(120_000);

// `pwd` last: the tool result the mock receives next names the directory the agent worked in.
const bash = (command: string) => toolUseReply("Bash", { command: `${command} && pwd`, description: "Edit files" });

describe("e2e: worktree isolation", () => {
  test("two parallel agents edit the repository; the dependent sees both; the result lands on the user's branch", async () => {
    await using e = await startE2E();
    initRepository(e.project, { "shared.txt": "top\n1\n2\n3\n4\n5\n6\nbottom\n" });
    e.mock.script(
      route([
        // The dependent fails its command (and writes nothing) unless both results are in its worktree.
        [taskMarker("c"), [bash("test -f a.txt && test -f b.txt && cat a.txt b.txt shared.txt > c.txt"), textReply("Combined.")]],
        [taskMarker("a"), [bash("echo A > a.txt && sed -i 's/^top$/top by a/' shared.txt"), textReply("A written.")]],
        [taskMarker("b"), [bash("echo B > b.txt && sed -i 's/^bottom$/bottom by b/' shared.txt"), textReply("B written.")]],
      ]),
    );
    const plan = e.plan([{ id: "a" }, { id: "b" }, { id: "c", depends_on: ["a", "b"] }]);
    const r = await e.orchestrate(plan, ["--json", "--max-parallel", "2"]);
    expect(r.stderr).not.toContain("isolation none");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.workspace.final_merge.outcome).toBe("fast-forward");
    expect(doc.workspace.tasks.map((t: { merge: string }) => t.merge)).toEqual(["merged", "merged", "merged"]);
    // Each agent ran in its own worktree, not in the user's directory.
    const cwds = new Set(e.mock.messageRequests().flatMap((q) => q.lastUserText.match(/\S*\/\.maos\/worktrees\/\S+/g) ?? []));
    expect([...cwds].map((c) => c.replace(/.*\/tasks\//, "")).sort()).toEqual(["a", "b", "c"]);
    expect(readFileSync(join(e.project, "c.txt"), "utf8")).toBe("A\nB\ntop by a\n1\n2\n3\n4\n5\n6\nbottom by b\n");
    expect(maosCommitSubjects(e.project, "main").sort()).toEqual([
      "maos @a (developer): A written.",
      "maos @b (developer): B written.",
      "maos @c (developer): Combined.",
    ]);
    expect(runGit(e.project, ["status", "--porcelain"])).toBe("");
  });

  test("two parallel agents write the same file: a resolver agent (real claude) resolves the conflict and the result lands on main", async () => {
    await using e = await startE2E();
    initRepository(e.project, { "README.md": "base\n" });
    e.mock.script(
      route([
        ["Resolve the git merge conflict", [bash("grep -q '<<<<<<<' same.txt && printf 'from a and b\\n' > same.txt"), textReply("Kept both.")]],
        [taskMarker("c"), [bash("cat same.txt > c.txt"), textReply("Copied.")]],
        [taskMarker("a"), [bash("echo 'from a' > same.txt"), textReply("A written.")]],
        [taskMarker("b"), [bash("echo 'from b' > same.txt"), textReply("B written.")]],
      ]),
    );
    const plan = e.plan([{ id: "a" }, { id: "b" }, { id: "c", depends_on: ["a", "b"] }]);
    const r = await e.orchestrate(plan, ["--json", "--max-parallel", "2"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const resolver = doc.tasks.find((t: { id: string }) => t.id.startsWith("resolve-"));
    expect(resolver).toMatchObject({ status: "completed", result: "Kept both." });
    expect(doc.workspace.final_merge.outcome).toBe("fast-forward");
    expect(readFileSync(join(e.project, "c.txt"), "utf8")).toBe("from a and b\n");
    expect(maosCommitSubjects(e.project, "main")).toHaveLength(4);
  });

  test("kill -9 in the middle of a merge, then resume: each task's commit is merged exactly once", async () => {
    await using e = await startE2E();
    initRepository(e.project, { "README.md": "base\n" });
    e.mock.script(
      route([
        [taskMarker("b"), [bash("echo B > b.txt"), textReply("B written.")]],
        [taskMarker("a"), [bash("echo A > a.txt"), textReply("A written.")]],
      ]),
    );
    const plan = e.plan([{ id: "a" }, { id: "b", depends_on: ["a"] }]);
    const killed = await e.orchestrate(plan, [], { env: { MAOS_FAULT: "merge-after" } });
    expect(killed.signal ?? String(killed.code)).not.toBe("0");
    const id = e.query((db) => db.query<{ id: string }, []>("SELECT id FROM orchestrations").get()!.id);
    const resumed = await e.run(["orchestration", "resume", id.slice(0, 8), "--auto", "--db", e.dbPath]);
    expect(resumed.code).toBe(0);
    expect(maosCommitSubjects(e.project, "main").sort()).toEqual(["maos @a (developer): A written.", "maos @b (developer): B written."]);
    expect(runGit(e.project, ["log", "--format=%s", "main"]).split("\n").filter((s) => s.startsWith("maos: merge @"))).toHaveLength(2);
    expect(readFileSync(join(e.project, "b.txt"), "utf8")).toBe("B\n");
  });
});
