import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseToolNames, findAgent, loadCatalog, maxAgentFileBytes, parseAgentFile } from "../../src/agents/catalog.ts";
import { builtinRoles } from "../../src/agents/builtin-roles.ts";
import { tempDir, type TempDir } from "../support/claude-env.ts";

let dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs) d.cleanup();
  dirs = [];
});

function setup() {
  const root = tempDir("maos-catalog-");
  dirs.push(root);
  const home = join(root.path, "home");
  const cwd = join(root.path, "project");
  mkdirSync(join(home, ".claude", "agents"), { recursive: true });
  mkdirSync(join(cwd, ".claude", "agents"), { recursive: true });
  const user = (name: string, text: string) => writeFileSync(join(home, ".claude", "agents", name), text);
  const project = (name: string, text: string) => writeFileSync(join(cwd, ".claude", "agents", name), text);
  return { home, cwd, user, project };
}

const agentFile = (fields: Record<string, string>, body = "Do the thing well.") =>
  `---\n${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("\n")}\n---\n${body}\n`;

describe("built-in roles", () => {
  test("all eight roles with description, prompt and tools", () => {
    const { agents, problems } = loadCatalog({ cwd: "/nonexistent-maos-cwd", home: "/nonexistent-maos-home" });
    expect(problems).toEqual([]);
    expect(agents.map((a) => a.name)).toEqual([
      "analyst", "architect", "developer", "tester", "reviewer", "security", "documenter", "researcher",
    ]);
    for (const a of agents) {
      expect(a.source).toBe("built-in");
      expect(a.file).toBeNull();
      expect(a.model).toBeNull();
      expect(a.description.length).toBeGreaterThan(10);
      expect(a.prompt.length).toBeGreaterThan(300);
      expect(a.prompt).toContain("report");
      expect(a.tools!.length).toBeGreaterThan(0);
    }
    const tools = (n: string) => findAgent(agents, n)!.tools!;
    for (const ro of ["reviewer", "security", "analyst"]) {
      expect(tools(ro)).not.toContain("Write");
      expect(tools(ro)).not.toContain("Edit");
      expect(tools(ro)).not.toContain("Bash"); // only limited Bash(...) rules
    }
    for (const rw of ["developer", "tester"]) expect(tools(rw)).toEqual(expect.arrayContaining(["Read", "Write", "Edit", "Bash", "Grep", "Glob"]));
    expect(tools("researcher")).toEqual(expect.arrayContaining(["WebSearch", "WebFetch"]));
  });

  test("loadCatalog returns copies: mutating the result does not change the built-ins", () => {
    const { agents } = loadCatalog({ cwd: "/nonexistent-maos-cwd", home: null });
    agents[0]!.tools!.push("Write");
    expect(builtinRoles[0]!.tools).not.toContain("Write");
  });

  test("baseToolNames strips rules to tool names", () => {
    expect(baseToolNames(["Read", "Bash(git log:*)", "Bash(ls:*)"])).toEqual(["Read", "Bash"]);
  });
});

describe("subagent files", () => {
  test("project overrides user overrides built-in; new agents are added", () => {
    const s = setup();
    s.user("reviewer.md", agentFile({ name: "reviewer", description: "User reviewer", tools: "Read, Grep", model: "haiku" }, "User prompt."));
    s.user("writer.md", agentFile({ name: "writer", description: "User writer" }, "Writes."));
    s.user("both.md", agentFile({ name: "both", description: "From user" }, "U."));
    s.project("both.md", agentFile({ name: "both", description: "From project", model: "sonnet" }, "P."));
    s.project("tester.md", agentFile({ name: "tester", description: "Project tester", tools: "[Read, Bash]" }, "Test it."));
    const { agents, problems } = loadCatalog({ cwd: s.cwd, home: s.home });
    expect(problems).toEqual([]);
    const reviewer = findAgent(agents, "reviewer")!;
    expect(reviewer).toEqual({
      name: "reviewer",
      description: "User reviewer",
      prompt: "User prompt.",
      tools: ["Read", "Grep"],
      disallowedTools: [],
      model: "haiku",
      permissionMode: null,
      maxTurns: null,
      source: "user",
      file: join(s.home, ".claude", "agents", "reviewer.md"),
    });
    expect(findAgent(agents, "writer")).toMatchObject({ source: "user", tools: null, model: null, prompt: "Writes." });
    expect(findAgent(agents, "both")).toMatchObject({ source: "project", description: "From project", model: "sonnet", prompt: "P." });
    expect(findAgent(agents, "tester")).toMatchObject({ source: "project", tools: ["Read", "Bash"] });
    expect(findAgent(agents, "developer")!.source).toBe("built-in");
    // An override keeps the built-in's place; new agents follow the built-ins.
    expect(agents.map((a) => a.name).slice(0, 8)).toContain("reviewer");
    expect(agents.map((a) => a.name).slice(8)).toEqual(["both", "writer"]);
    expect(agents.filter((a) => a.name === "both")).toHaveLength(1);
  });

  test("tools: comma string (with Bash rules), YAML list, absent = all (null), 'inherit' model = null", () => {
    const s = setup();
    s.project("a.md", agentFile({ name: "a", description: "A", tools: "Read, Bash(git log:*), Grep", model: "inherit" }));
    s.project("b.md", "---\nname: b\ndescription: B\ntools:\n  - Read\n  - Edit\n---\nBody of b.\n");
    s.project("c.md", "---\r\nname: c\r\ndescription: \"C, with: colon\"\r\ncolor: blue\r\n---\r\nBody of c.\r\n");
    const { agents, problems } = loadCatalog({ cwd: s.cwd, home: s.home });
    expect(problems).toEqual([]);
    expect(findAgent(agents, "a")).toMatchObject({ tools: ["Read", "Bash(git log:*)", "Grep"], model: null });
    expect(findAgent(agents, "b")).toMatchObject({ tools: ["Read", "Edit"], prompt: "Body of b." });
    expect(findAgent(agents, "c")).toMatchObject({ tools: null, description: "C, with: colon", prompt: "Body of c." });
  });

  test("disallowedTools, permissionMode and maxTurns are read; Claude Code's other fields and unknown ones are ignored", () => {
    const s = setup();
    s.project(
      "full.md",
      agentFile({
        name: "full",
        description: "Every field Claude Code knows",
        tools: "Read, Grep",
        disallowedTools: "Write, Bash(rm:*)",
        model: "haiku",
        permissionMode: "plan",
        maxTurns: "3",
        color: "blue",
        effort: "high",
        memory: "project",
        background: "true",
        isolation: "worktree",
        skills: "[a, b]",
        initialPrompt: "hello",
        hooks: "{}",
        mcpServers: "[]",
        somethingElse: "kept quiet",
      }),
    );
    s.project("list.md", "---\nname: list\ndescription: L\ndisallowedTools:\n  - Edit\n  - WebFetch\npermissionMode: bypassPermissions\n---\nBody.\n");
    s.project("plain.md", agentFile({ name: "plain", description: "P" }));
    const { agents, problems } = loadCatalog({ cwd: s.cwd, home: s.home });
    expect(problems).toEqual([]);
    expect(findAgent(agents, "full")).toMatchObject({
      tools: ["Read", "Grep"],
      disallowedTools: ["Write", "Bash(rm:*)"],
      model: "haiku",
      permissionMode: "plan",
      maxTurns: 3,
    });
    expect(findAgent(agents, "full")).not.toHaveProperty("color");
    expect(findAgent(agents, "list")).toMatchObject({ disallowedTools: ["Edit", "WebFetch"], permissionMode: "bypassPermissions", maxTurns: null });
    expect(findAgent(agents, "plain")).toMatchObject({ tools: null, disallowedTools: [], model: null, permissionMode: null, maxTurns: null });
  });

  test("a bad disallowedTools, permissionMode or maxTurns skips the file with the reason", () => {
    const s = setup();
    const cases: Record<string, [Record<string, string>, RegExp]> = {
      "mode.md": [{ permissionMode: "yolo" }, /permissionMode "yolo" must be one of plan, dontAsk, default, acceptEdits, auto, bypassPermissions/],
      "mode-case.md": [{ permissionMode: "bypasspermissions" }, /permissionMode "bypasspermissions" must be one of/],
      "turns-zero.md": [{ maxTurns: "0" }, /maxTurns 0 must be a positive integer/],
      "turns-negative.md": [{ maxTurns: "-2" }, /maxTurns -2 must be a positive integer/],
      "turns-fraction.md": [{ maxTurns: "1.5" }, /maxTurns 1.5 must be a positive integer/],
      "turns-text.md": [{ maxTurns: "many" }, /maxTurns "many" must be a positive integer/],
      "disallowed.md": [{ disallowedTools: "{a: 1}" }, /disallowedTools must be a comma-separated string or a list/],
    };
    for (const [file, [fields]] of Object.entries(cases)) s.project(file, agentFile({ name: file.replace(".md", ""), description: "x", ...fields }));
    const { agents, problems } = loadCatalog({ cwd: s.cwd, home: s.home });
    expect(agents).toHaveLength(8);
    const byFile = new Map(problems.map((p) => [p.file.split("/").at(-1)!, p.reason]));
    for (const [file, [, reason]] of Object.entries(cases)) expect(byFile.get(file), file).toMatch(reason);
    expect(problems).toHaveLength(Object.keys(cases).length);
  });

  test("each kind of malformed file is reported with file and reason, and skipped", () => {
    const s = setup();
    const cases: Record<string, [string, RegExp]> = {
      "no-frontmatter.md": ["Just a prompt, no frontmatter.\n", /no YAML frontmatter/],
      "unclosed.md": ["---\nname: unclosed\ndescription: x\nBody\n", /no YAML frontmatter/],
      "bad-yaml.md": ["---\nname: [unclosed\ndescription: x\n---\nBody\n", /not valid YAML/],
      "scalar.md": ["---\njust a string\n---\nBody\n", /not a mapping/],
      "no-name.md": [agentFile({ description: "x" }), /'name' is missing/],
      "no-description.md": [agentFile({ name: "nodesc" }), /'description' is missing/],
      "empty-description.md": [agentFile({ name: "emptydesc", description: '""' }), /description is empty/],
      "bad-name.md": [agentFile({ name: "Bad Name!", description: "x" }), /name "Bad Name!" must be lowercase/],
      "numeric-name.md": [agentFile({ name: "[1, 2]", description: "x" }), /name must be a string/],
      "bad-tools.md": [agentFile({ name: "badtools", description: "x", tools: "{a: 1}" }), /tools must be/],
      "bad-model.md": [agentFile({ name: "badmodel", description: "x", model: "[1]" }), /model must be a string/],
      "no-body.md": [agentFile({ name: "nobody", description: "x" }, "   "), /no prompt/],
    };
    for (const [name, [text]] of Object.entries(cases)) s.project(name, text);
    mkdirSync(join(s.cwd, ".claude", "agents", "a-directory.md"));
    s.project("good.md", agentFile({ name: "good", description: "fine" }));
    s.project("notes.txt", "ignored: not .md");
    const { agents, problems } = loadCatalog({ cwd: s.cwd, home: s.home });
    expect(findAgent(agents, "good")).toBeDefined();
    expect(agents).toHaveLength(9);
    const byFile = new Map(problems.map((p) => [p.file.split("/").at(-1)!, p.reason]));
    for (const [name, [, reason]] of Object.entries(cases)) {
      expect(byFile.get(name), name).toMatch(reason);
    }
    expect(byFile.get("a-directory.md")).toMatch(/it is a directory/);
    expect(problems).toHaveLength(Object.keys(cases).length + 1);
    for (const p of problems) expect(p.file.startsWith(join(s.cwd, ".claude", "agents"))).toBe(true);
  });

  test("two files of one source defining the same name: the first (by file name) wins, the second is reported", () => {
    const s = setup();
    s.project("a.md", agentFile({ name: "dup", description: "first" }));
    s.project("b.md", agentFile({ name: "dup", description: "second" }));
    const { agents, problems } = loadCatalog({ cwd: s.cwd, home: s.home });
    expect(findAgent(agents, "dup")!.description).toBe("first");
    expect(problems).toEqual([{ file: join(s.cwd, ".claude", "agents", "b.md"), reason: expect.stringContaining("already defined in") }]);
  });

  test("missing directories are fine; cwd = home reads the files once, as user", () => {
    const s = setup();
    s.user("x.md", agentFile({ name: "x", description: "X" }));
    expect(loadCatalog({ cwd: join(s.cwd, "nope"), home: join(s.home, "nope") }).problems).toEqual([]);
    const same = loadCatalog({ cwd: s.home, home: s.home });
    expect(same.problems).toEqual([]);
    expect(findAgent(same.agents, "x")!.source).toBe("user");
  });

  test("home defaults to $HOME", () => {
    const s = setup();
    s.user("fromhome.md", agentFile({ name: "fromhome", description: "H" }));
    const saved = process.env.HOME;
    process.env.HOME = s.home;
    try {
      expect(findAgent(loadCatalog({ cwd: s.cwd }).agents, "fromhome")).toBeDefined();
    } finally {
      process.env.HOME = saved;
    }
  });

  test("parseAgentFile keeps a body that contains --- lines", () => {
    const r = parseAgentFile("---\nname: a\ndescription: d\n---\nline one\n---\nline two\n", "/x/a.md", "project");
    expect(r.ok && r.agent.prompt).toBe("line one\n---\nline two");
  });
});

describe("hostile agent files", () => {
  test("a symlink to /dev/zero, a FIFO and an oversized file are each one problem, read no further, and never block", () => {
    const s = setup();
    const agents = join(s.cwd, ".claude", "agents");
    symlinkSync("/dev/zero", join(agents, "zero.md"));
    expect(Bun.spawnSync(["mkfifo", join(agents, "fifo.md")]).exitCode).toBe(0);
    s.project("huge.md", agentFile({ name: "huge", description: "x" }, "y".repeat(maxAgentFileBytes)));
    s.project("good.md", agentFile({ name: "good", description: "fine" }));
    const { agents: found, problems } = loadCatalog({ cwd: s.cwd, home: s.home });
    expect(findAgent(found, "good")).toBeDefined();
    const byFile = new Map(problems.map((p) => [p.file.split("/").at(-1)!, p.reason]));
    expect(byFile.get("zero.md")).toBe("it is a character device, not a regular file");
    expect(byFile.get("fifo.md")).toBe("it is a FIFO, not a regular file");
    expect(byFile.get("huge.md")).toMatch(/^it is \d+ bytes, more than the 256 KiB limit$/);
    expect(problems).toHaveLength(3);
  });
});
