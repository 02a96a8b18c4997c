import { describe, expect, test } from "bun:test";
import { agentLimits, patternOnlyTools, type LimitedDefinition, type LimitingRunOptions } from "../../src/agents/agent-limits.ts";
import { findAgent, loadCatalog } from "../../src/agents/catalog.ts";
import { permissionModes, stricterMode } from "../../src/agents/permission-modes.ts";

const def = (d: Partial<LimitedDefinition> = {}): LimitedDefinition => ({
  tools: null,
  disallowedTools: [],
  model: null,
  permissionMode: null,
  maxTurns: null,
  ...d,
});
const run = (r: Partial<LimitingRunOptions> = {}): LimitingRunOptions => ({ model: null, permissionMode: null, maxTurns: null, ...r });
const builtins = loadCatalog({ cwd: "/nonexistent-maos-cwd", home: null }).agents;
const builtin = (name: string) => findAgent(builtins, name)!;

describe("tools", () => {
  test("no tools field: every tool exists, nothing extra is pre-approved", () => {
    expect(agentLimits(def(), run())).toMatchObject({ tools: null, allowedTools: [], disallowedTools: [] });
  });

  test("a tool list: its bare names are the tools that exist (--tools), its rules are pre-approved (--allowedTools)", () => {
    const limits = agentLimits(def({ tools: ["Read", "Grep", "Bash(git log:*)", "Bash(ls:*)"] }), run());
    expect(limits.tools).toEqual(["Read", "Grep", "Bash"]);
    expect(limits.allowedTools).toEqual(["Read", "Grep", "Bash(git log:*)", "Bash(ls:*)"]);
  });

  test("an empty list: no tool exists", () => {
    expect(agentLimits(def({ tools: [] }), run())).toMatchObject({ tools: [], allowedTools: [] });
  });

  test("disallowedTools are passed through", () => {
    expect(agentLimits(def({ disallowedTools: ["Write", "Bash(rm:*)"] }), run()).disallowedTools).toEqual(["Write", "Bash(rm:*)"]);
  });

  test("MCP: no tools field keeps the user's MCP servers; a list naming no MCP tool gets none; one naming an MCP tool or server keeps them", () => {
    expect(agentLimits(def(), run()).mcpServers).toBe(true);
    expect(agentLimits(def({ tools: ["Read", "Grep", "Glob"] }), run()).mcpServers).toBe(false);
    expect(agentLimits(def({ tools: [] }), run()).mcpServers).toBe(false);
    expect(agentLimits(def({ tools: ["Read", "mcp__github__get_issue"] }), run()).mcpServers).toBe(true);
    expect(agentLimits(def({ tools: ["mcp__docs"] }), run()).mcpServers).toBe(true);
    // disallowedTools never adds servers: a definition without tools keeps them, minus what it denies.
    expect(agentLimits(def({ disallowedTools: ["mcp__github"] }), run()).mcpServers).toBe(true);
    expect(agentLimits(builtin("reviewer"), run()).mcpServers).toBe(false);
  });

  test("patternOnlyTools: tools granted only through a pattern", () => {
    expect(patternOnlyTools(["Read", "Bash(git log:*)", "Bash(ls:*)"])).toEqual(["Bash"]);
    expect(patternOnlyTools(["Read", "Bash", "Bash(git log:*)"])).toEqual([]);
    expect(patternOnlyTools(["Edit(docs/**)", "Read"])).toEqual(["Edit"]);
    expect(patternOnlyTools(["Read", "Write"])).toEqual([]);
  });
});

describe("model", () => {
  test("the definition's model wins; inherit/absent takes the run's --model; neither = the CLI default", () => {
    expect(agentLimits(def({ model: "haiku" }), run({ model: "opus" })).model).toBe("haiku");
    expect(agentLimits(def({ model: null }), run({ model: "opus" })).model).toBe("opus");
    expect(agentLimits(def(), run()).model).toBeNull();
  });
});

describe("max turns", () => {
  test("the smaller of the definition's and the run's; either alone applies", () => {
    expect(agentLimits(def({ maxTurns: 3 }), run({ maxTurns: 10 })).maxTurns).toBe(3);
    expect(agentLimits(def({ maxTurns: 30 }), run({ maxTurns: 10 })).maxTurns).toBe(10);
    expect(agentLimits(def({ maxTurns: 7 }), run()).maxTurns).toBe(7);
    expect(agentLimits(def(), run({ maxTurns: 4 })).maxTurns).toBe(4);
    expect(agentLimits(def(), run()).maxTurns).toBeNull();
  });
});

describe("permission mode", () => {
  test("stricterMode follows plan < dontAsk < default < acceptEdits < auto < bypassPermissions", () => {
    expect(permissionModes).toEqual(["plan", "dontAsk", "default", "acceptEdits", "auto", "bypassPermissions"]);
    expect(stricterMode("bypassPermissions", "plan")).toBe("plan");
    expect(stricterMode("acceptEdits", "auto")).toBe("acceptEdits");
    expect(stricterMode("default", "dontAsk")).toBe("dontAsk");
  });

  test("the run's mode applies to a definition without one", () => {
    expect(agentLimits(def(), run({ permissionMode: "bypassPermissions" })).permissionMode).toBe("bypassPermissions");
    expect(agentLimits(def(), run()).permissionMode).toBeNull();
  });

  test("a definition may narrow the run's mode", () => {
    expect(agentLimits(def({ permissionMode: "acceptEdits" }), run({ permissionMode: "bypassPermissions" })).permissionMode).toBe("acceptEdits");
    expect(agentLimits(def({ permissionMode: "plan" }), run({ permissionMode: "acceptEdits" })).permissionMode).toBe("plan");
    expect(agentLimits(def({ permissionMode: "plan" }), run()).permissionMode).toBe("plan");
  });

  test("a definition cannot widen the run's mode; no --permission-mode counts as default and passes nothing", () => {
    expect(agentLimits(def({ permissionMode: "bypassPermissions" }), run({ permissionMode: "acceptEdits" })).permissionMode).toBe("acceptEdits");
    expect(agentLimits(def({ permissionMode: "bypassPermissions" }), run()).permissionMode).toBeNull();
    expect(agentLimits(def({ permissionMode: "default" }), run()).permissionMode).toBeNull();
    expect(agentLimits(def({ permissionMode: "auto" }), run({ permissionMode: "default" })).permissionMode).toBe("default");
  });

  test("a tool granted only through patterns runs in dontAsk, whatever the run's mode (plan stays plan)", () => {
    const ro = def({ tools: ["Read", "Bash(git log:*)"] });
    for (const mode of ["bypassPermissions", "auto", "acceptEdits", "default", "dontAsk"] as const) {
      expect(agentLimits(ro, run({ permissionMode: mode })).permissionMode).toBe("dontAsk");
    }
    expect(agentLimits(ro, run()).permissionMode).toBe("dontAsk");
    expect(agentLimits(ro, run({ permissionMode: "plan" })).permissionMode).toBe("plan");
    expect(agentLimits(def({ tools: ["Read", "Bash(git log:*)"], permissionMode: "plan" }), run({ permissionMode: "bypassPermissions" })).permissionMode).toBe("plan");
    // Bash also granted bare: the patterns are not the limit, the run's mode stays.
    expect(agentLimits(def({ tools: ["Bash", "Bash(git log:*)"] }), run({ permissionMode: "bypassPermissions" })).permissionMode).toBe("bypassPermissions");
    // Bare tools only: --tools is the limit, the run's mode stays.
    expect(agentLimits(def({ tools: ["Read", "Grep", "Glob"] }), run({ permissionMode: "bypassPermissions" })).permissionMode).toBe("bypassPermissions");
  });
});

describe("IS_SANDBOX", () => {
  test("an agent runs in bypassPermissions only when the run does, so the run's environment (agentEnv) already carries IS_SANDBOX=1 for it", () => {
    const modes = [null, ...permissionModes];
    for (const runMode of modes)
      for (const defMode of modes)
        for (const tools of [null, ["Read"], ["Read", "Bash(ls:*)"]]) {
          const mode = agentLimits(def({ tools, permissionMode: defMode }), run({ permissionMode: runMode })).permissionMode;
          if (mode === "bypassPermissions") expect(runMode).toBe("bypassPermissions");
          // Never wider than the run (no flag = default).
          expect(stricterMode(mode ?? "default", runMode ?? "default")).toBe(mode ?? "default");
        }
  });
});

describe("built-in roles under --permission-mode bypassPermissions", () => {
  const bypass = run({ permissionMode: "bypassPermissions" });

  test("read-only roles: Write and Edit do not exist; their limited Bash runs in dontAsk, so only the pre-approved commands run", () => {
    for (const name of ["analyst", "reviewer", "security"]) {
      const limits = agentLimits(builtin(name), bypass);
      expect(limits.tools).toEqual(["Read", "Grep", "Glob", "Bash"]);
      expect(limits.allowedTools).toContain("Bash(git log:*)");
      expect(limits.allowedTools).not.toContain("Bash");
      expect(limits.permissionMode).toBe("dontAsk");
    }
  });

  test("the architect may still write (pre-approved in dontAsk), but its Bash is limited too", () => {
    const limits = agentLimits(builtin("architect"), bypass);
    expect(limits.tools).toEqual(["Read", "Grep", "Glob", "Write", "Bash"]);
    expect(limits.allowedTools).toContain("Write");
    expect(limits.permissionMode).toBe("dontAsk");
  });

  test("developer, tester, documenter and researcher keep the run's mode, within their tool lists", () => {
    expect(agentLimits(builtin("developer"), bypass)).toMatchObject({ tools: ["Read", "Write", "Edit", "Bash", "Grep", "Glob"], permissionMode: "bypassPermissions" });
    expect(agentLimits(builtin("tester"), bypass).permissionMode).toBe("bypassPermissions");
    expect(agentLimits(builtin("documenter"), bypass)).toMatchObject({ tools: ["Read", "Write", "Edit", "Grep", "Glob"], permissionMode: "bypassPermissions" });
    expect(agentLimits(builtin("researcher"), bypass)).toMatchObject({ tools: ["Read", "Grep", "Glob", "WebSearch", "WebFetch"], permissionMode: "bypassPermissions" });
  });
});
