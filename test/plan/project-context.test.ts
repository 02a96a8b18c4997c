import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeProject, gitRoot, MAX_BYTES } from "../../src/plan/project-context.ts";
import { tempDir, type TempDir } from "../support/claude-env.ts";

let dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs) d.cleanup();
  dirs = [];
});
const fresh = () => {
  const d = tempDir("maos-project-");
  dirs.push(d);
  return d.path;
};

describe("describeProject", () => {
  test("manifests, git, README head and top-level entries", () => {
    const root = fresh();
    mkdirSync(join(root, ".git"));
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "package.json"), "{}");
    writeFileSync(join(root, "Cargo.toml"), "");
    writeFileSync(join(root, "Makefile"), "");
    const readme = Array.from({ length: 60 }, (_, i) => `readme line ${i + 1}`).join("\n");
    writeFileSync(join(root, "README.md"), `# Demo\n${readme}`);
    const text = describeProject(root);
    expect(text).toContain(`Working directory: ${root}`);
    expect(text).toContain("Git repository: yes");
    expect(text).toContain("Manifest files: package.json (JavaScript/TypeScript), Cargo.toml (Rust), Makefile (make)");
    expect(text).toMatch(/Top-level entries \(5\): src\/ {2}Cargo.toml {2}Makefile {2}package.json {2}README.md/);
    expect(text).not.toContain(".git/");
    expect(text).toContain("README.md (first 40 lines):\n# Demo\nreadme line 1\n");
    expect(text).toContain("readme line 39");
    expect(text).not.toContain("readme line 40\n");
    expect(text).toContain("[…]");
  });

  test("a subdirectory of a git repo (.git file, as in worktrees); no README; no manifests", () => {
    const root = fresh();
    writeFileSync(join(root, ".git"), "gitdir: /elsewhere");
    const sub = join(root, "pkg", "inner");
    mkdirSync(sub, { recursive: true });
    expect(gitRoot(sub)).toBe(root);
    const text = describeProject(sub);
    expect(text).toContain(`Git repository: yes (root ${root})`);
    expect(text).toContain("Manifest files: none found");
    expect(text).toContain("Top-level entries (0): (empty directory)");
    expect(text).toContain("README: none");
  });

  test("not a git repo", () => {
    const root = fresh();
    // A temp dir could sit inside a repo only if TMPDIR did; check against gitRoot itself.
    expect(describeProject(root)).toContain(gitRoot(root) ? "Git repository: yes" : "Git repository: no");
  });

  test("bounded: a huge directory and README stay under 4 KB, quickly", () => {
    const root = fresh();
    for (let i = 0; i < 2000; i++) writeFileSync(join(root, `file-with-a-long-name-${String(i).padStart(5, "0")}.txt`), "");
    writeFileSync(join(root, "README.md"), `${"é".repeat(5000)}\n`.repeat(100));
    const t0 = performance.now();
    const text = describeProject(root);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_BYTES);
    expect(text).toContain("Top-level entries (2001)");
    expect(text).toMatch(/… and \d+ more/);
    expect(text).toContain("README.md (first 40 lines):");
    expect(text).not.toContain("\uFFFD");
  });
});
