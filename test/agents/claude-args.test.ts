import { describe, expect, test } from "bun:test";
import { agentArgs, agentEnv } from "../../src/agents/claude-args.ts";

const base = {
  sessionId: "11111111-2222-3333-4444-555555555555",
  resume: false,
  model: null,
  permissionMode: null,
  tools: null,
  allowedTools: [],
  disallowedTools: [],
  mcpServers: true,
  maxTurns: null,
  maxBudgetUsd: null,
  appendSystemPrompt: "",
};

describe("agentArgs", () => {
  test("a first attempt starts its session; stream-json in and out with replayed user messages", () => {
    expect(agentArgs(base)).toEqual([
      "-p",
      "--input-format",
      "stream-json",
      "--output-format",
      "stream-json",
      "--verbose",
      "--replay-user-messages",
      "--session-id",
      base.sessionId,
    ]);
  });

  test("a later attempt resumes the session; options become flags, tool lists in the '=' form", () => {
    const args = agentArgs({
      ...base,
      resume: true,
      model: "sonnet",
      permissionMode: "dontAsk",
      tools: ["Read", "Bash"],
      allowedTools: ["Read", "Bash(git log:*)"],
      disallowedTools: ["WebFetch", "Bash(rm:*)"],
      maxTurns: 5,
      maxBudgetUsd: 0.5,
      appendSystemPrompt: "role",
    });
    expect(args.join(" ")).toContain(`--resume ${base.sessionId}`);
    expect(args).not.toContain("--session-id");
    // '=' form: each list is one argument, so the variadic flag cannot swallow the next one.
    expect(args).toContain("--tools=Read,Bash");
    expect(args).toContain("--allowedTools=Read,Bash(git log:*)");
    expect(args).toContain("--disallowedTools=WebFetch,Bash(rm:*)");
    expect(args.join(" ")).toContain("--model sonnet --permission-mode dontAsk");
    expect(args.join(" ")).toContain("--max-turns 5 --max-budget-usd 0.5000 --append-system-prompt role");
  });

  test("an agent without the user's MCP servers gets --strict-mcp-config (and no --mcp-config: none at all)", () => {
    expect(agentArgs({ ...base, tools: ["Read"], mcpServers: false })).toContain("--strict-mcp-config");
    expect(agentArgs(base)).not.toContain("--strict-mcp-config");
    expect(agentArgs({ ...base, mcpServers: false }).some((a) => a.startsWith("--mcp-config"))).toBe(false);
  });

  test("an empty tool list is passed as --tools= (no tool exists); null passes no tool flag at all", () => {
    expect(agentArgs({ ...base, tools: [] })).toContain("--tools=");
    expect(agentArgs(base).some((a) => /^--(tools|allowedTools|disallowedTools)/.test(a))).toBe(false);
  });
});

describe("agentEnv", () => {
  test("bypassPermissions as root gets IS_SANDBOX=1; other modes and an explicit value are left alone", () => {
    const root = process.getuid?.() === 0;
    expect(agentEnv("bypassPermissions", { PATH: "/bin" }).IS_SANDBOX).toBe(root ? "1" : undefined);
    expect(agentEnv("acceptEdits", { PATH: "/bin" }).IS_SANDBOX).toBeUndefined();
    expect(agentEnv("bypassPermissions", { IS_SANDBOX: "0" }).IS_SANDBOX).toBe("0");
  });
});
