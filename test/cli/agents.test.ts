import { expect, test, setDefaultTimeout } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/claude-env.ts";
import { runMaos } from "../support/cli.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

test("maos agents lists built-in, user and project agents with their source; a malformed file is reported and skipped", async () => {
  const home = tempDir("maos-home-").path;
  const project = tempDir("maos-project-").path;
  mkdirSync(join(home, ".claude", "agents"), { recursive: true });
  mkdirSync(join(project, ".claude", "agents"), { recursive: true });
  writeFileSync(join(home, ".claude", "agents", "dba.md"), "---\nname: dba\ndescription: Tunes SQL\ntools: Read, Bash\n---\nYou tune databases.\n");
  writeFileSync(join(project, ".claude", "agents", "reviewer.md"), "---\nname: reviewer\ndescription: Our house reviewer\nmodel: sonnet\n---\nReview like us.\n");
  writeFileSync(join(project, ".claude", "agents", "broken.md"), "no frontmatter here\n");

  const json = await runMaos(["agents", "--json"], { cwd: project, env: { HOME: home } });
  expect(json.code).toBe(0);
  const { agents, problems } = JSON.parse(json.stdout);
  const byName = Object.fromEntries(agents.map((a: { name: string }) => [a.name, a]));
  expect(byName.developer.source).toBe("built-in");
  expect(byName.dba).toMatchObject({ source: "user", tools: ["Read", "Bash"] });
  expect(byName.reviewer).toMatchObject({ source: "project", model: "sonnet", description: "Our house reviewer" });
  expect(problems).toHaveLength(1);
  expect(problems[0].file).toContain("broken.md");
  expect(json.stderr).toContain("broken.md");

  const human = await runMaos(["agents"], { cwd: project, env: { HOME: home, NO_COLOR: "1" } });
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(/^reviewer\s+project\s+sonnet/m);
  expect(human.stdout).toMatch(/^dba\s+user/m);
});

test("maos agents --verbose shows each agent's limits: disallowed tools, permission mode and turn limit; inherit as the model", async () => {
  const home = tempDir("maos-home-").path;
  const project = tempDir("maos-project-").path;
  mkdirSync(join(project, ".claude", "agents"), { recursive: true });
  writeFileSync(
    join(project, ".claude", "agents", "ro.md"),
    "---\nname: ro\ndescription: Reads\ntools: Read, Grep\ndisallowedTools: WebFetch\npermissionMode: plan\nmaxTurns: 4\n---\nRead only.\n",
  );
  const r = await runMaos(["agents", "--verbose"], { cwd: project, env: { HOME: home, NO_COLOR: "1" } });
  expect(r.code).toBe(0);
  const block = (name: string) => r.stdout.split("\n\n").find((b) => b.startsWith(`${name}\n`))!;
  expect(block("reviewer")).toContain("permission:  dontAsk — Bash limited to the listed patterns");
  expect(block("reviewer")).toContain("model:       inherit");
  expect(block("developer")).toContain("permission:  the run's --permission-mode");
  expect(block("ro")).toContain("disallowed:  WebFetch");
  expect(block("ro")).toContain("MCP servers: none (its tools list names no MCP tool)");
  expect(block("ro")).toContain("permission:  plan, or the run's --permission-mode if that is stricter");
  expect(block("ro")).toContain("max turns:   4");

  const table = await runMaos(["agents"], { cwd: project, env: { HOME: home, NO_COLOR: "1" } });
  expect(table.stdout).toMatch(/^developer\s+built-in\s+inherit/m);
});

test("a FIFO and a /dev/zero symlink in .claude/agents: maos agents finishes with one line for each; --plan /dev/zero is exit 2", async () => {
  const home = tempDir("maos-home-").path;
  const project = tempDir("maos-project-").path;
  mkdirSync(join(project, ".claude", "agents"), { recursive: true });
  symlinkSync("/dev/zero", join(project, ".claude", "agents", "z.md"));
  expect(Bun.spawnSync(["mkfifo", join(project, ".claude", "agents", "f.md")]).exitCode).toBe(0);
  const r = await runMaos(["agents"], { cwd: project, env: { HOME: home, NO_COLOR: "1" } });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("z.md: it is a character device, not a regular file");
  expect(r.stderr).toContain("f.md: it is a FIFO, not a regular file");
  const plan = await runMaos(["orchestrate", "x", "--plan", "/dev/zero", "--auto", "--db", join(project, "maos.db")], { cwd: project, env: { HOME: home, MAOS_CLAUDE_BIN: "/bin/true" } });
  expect(plan.code).toBe(2);
  expect(plan.stderr.trim().split("\n")).toEqual(["maos: plan file /dev/zero is a character device, not a regular file"]);
});
