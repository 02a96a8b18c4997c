// Issue 9, item 3, end to end: an agent definition's tools, model and maxTurns are limits
// the REAL claude CLI enforces, even under --permission-mode bypassPermissions. The mock
// tells each agent to call tools; the CLI decides whether they exist and may run.
//
// MAOS_E2E_CLAUDE_BIN=/path/to/claude runs these against another CLI version (checked
// with 2.1.332); by default the pinned dev dependency is used.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedRequest, ToolResultInfo } from "../support/mock-anthropic.ts";
import { route, textReply, toolUseReply } from "../support/mock-anthropic.ts";
import { configureFakeMcpServer } from "../support/claude-env.ts";
import { startE2E, taskMarker, type E2E } from "../support/e2e.ts";
import { scaled } from "../support/machine.ts";

setDefaultTimeout(scaled(90_000));

const cliEnv = process.env.MAOS_E2E_CLAUDE_BIN ? { MAOS_CLAUDE_BIN: process.env.MAOS_E2E_CLAUDE_BIN } : {};

function projectAgent(e: E2E, name: string, fields: string): void {
  const dir = join(e.project, ".claude", "agents");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.md`), `---\nname: ${name}\ndescription: Test agent ${name}\n${fields}\n---\nYou are the ${name} test agent.\n`);
}

/** The requests of one task's conversation. */
const requestsOf = (e: E2E, key: string): RecordedRequest[] => e.mock.messageRequests().filter((q) => q.firstUserText.includes(taskMarker(key)));

/** The tool results the CLI sent back after the task's first (tool-calling) reply. */
function toolResultsOf(e: E2E, key: string): ToolResultInfo[] {
  const second = requestsOf(e, key)[1];
  expect(second, `a second request for @${key}`).toBeDefined();
  return second!.toolResults;
}

/** Asks the agent to write a file with Write, then with a shell redirect, then to list the directory. */
const writeAttempts = (e: E2E, key: string) =>
  toolUseReply([
    { name: "Write", input: { file_path: join(e.project, `${key}-write.txt`), content: "written\n" } },
    { name: "Bash", input: { command: `echo x > ${join(e.project, `${key}-bash.txt`)}`, description: "Write a file" } },
    { name: "Bash", input: { command: "ls", description: "List files" } },
  ]);

describe("e2e: agent definitions are enforced by the real claude CLI", () => {
  test("under bypassPermissions the read-only reviewer and a `tools: Read, Grep, Glob` subagent cannot write; a developer can", async () => {
    await using e = await startE2E();
    projectAgent(e, "ro", "tools: Read, Grep, Glob");
    writeFileSync(join(e.project, "existing.txt"), "here before\n");
    e.mock.script(
      route([
        [taskMarker("rev"), [writeAttempts(e, "rev"), textReply("Reviewed.")]],
        [taskMarker("ro"), [writeAttempts(e, "ro"), textReply("Looked.")]],
        [taskMarker("dev"), [writeAttempts(e, "dev"), textReply("Built.")]],
      ]),
    );
    const plan = e.plan([
      { id: "rev", agent_type: "reviewer" },
      { id: "ro", agent_type: "ro" },
      { id: "dev", agent_type: "developer" },
    ]);
    const r = await e.orchestrate(plan, ["--permission-mode", "bypassPermissions", "--json"], { env: cliEnv, timeoutMs: scaled(80_000) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tasks.map((t: { status: string }) => t.status)).toEqual(["completed", "completed", "completed"]);

    // (a) The built-in reviewer: Write does not exist; its Bash runs only the pre-approved commands.
    const [revWrite, revRedirect, revLs] = toolResultsOf(e, "rev");
    expect(revWrite).toMatchObject({ name: "Write", isError: true });
    expect(revWrite!.content).toContain("No such tool available: Write");
    expect(revRedirect).toMatchObject({ name: "Bash", isError: true });
    expect(revRedirect!.content).toMatch(/denied|don't ask/i);
    expect(revLs).toMatchObject({ name: "Bash", isError: false });
    expect(revLs!.content).toContain("existing.txt");
    expect(requestsOf(e, "rev")[0]!.toolNames).not.toContain("Write");
    expect(requestsOf(e, "rev")[0]!.toolNames).not.toContain("Edit");
    expect(existsSync(join(e.project, "rev-write.txt"))).toBe(false);
    expect(existsSync(join(e.project, "rev-bash.txt"))).toBe(false);

    // (b) A project subagent with `tools: Read, Grep, Glob`: neither Write nor Bash exists.
    const [roWrite, roRedirect, roLs] = toolResultsOf(e, "ro");
    for (const [result, tool] of [[roWrite, "Write"], [roRedirect, "Bash"], [roLs, "Bash"]] as const) {
      expect(result).toMatchObject({ name: tool, isError: true });
      expect(result!.content).toContain(`No such tool available: ${tool}`);
    }
    expect([...requestsOf(e, "ro")[0]!.toolNames].filter((n) => !n.startsWith("Deferred")).sort()).toEqual(["Glob", "Grep", "Read"]);
    expect(existsSync(join(e.project, "ro-write.txt"))).toBe(false);
    expect(existsSync(join(e.project, "ro-bash.txt"))).toBe(false);

    // (c) Control: the developer writes both files.
    expect(toolResultsOf(e, "dev").map((t) => t.isError)).toEqual([false, false, false]);
    expect(readFileSync(join(e.project, "dev-write.txt"), "utf8")).toBe("written\n");
    expect(readFileSync(join(e.project, "dev-bash.txt"), "utf8")).toBe("x\n");
  });

  test("MCP servers of the user's Claude Code configuration: none for an agent whose tools list names no MCP tool, all for one without a tools list", async () => {
    await using e = await startE2E();
    configureFakeMcpServer(e.configDir);
    projectAgent(e, "ro", "tools: Read, Grep, Glob"); // no pattern, so bypassPermissions stays: only the tool list limits it
    projectAgent(e, "open", "model: inherit"); // no tools field: every tool, MCP ones included, as in Claude Code
    const viaMcp = (key: string) => toolUseReply("mcp__fake__write_file", { path: join(e.project, `${key}-mcp.txt`), content: "via mcp\n" });
    e.mock.script(
      route([
        [taskMarker("ro"), [viaMcp("ro"), textReply("Looked.")]],
        [taskMarker("rev"), [viaMcp("rev"), textReply("Reviewed.")]],
        [taskMarker("open"), [viaMcp("open"), textReply("Done.")]],
      ]),
    );
    const plan = e.plan([
      { id: "ro", agent_type: "ro" },
      { id: "rev", agent_type: "reviewer" },
      { id: "open", agent_type: "open" },
    ]);
    const r = await e.orchestrate(plan, ["--permission-mode", "bypassPermissions", "--json"], { env: cliEnv, timeoutMs: scaled(80_000) });
    expect(r.code, r.stderr).toBe(0);

    // Neither the `tools: Read, Grep, Glob` subagent nor the reviewer has an MCP tool at all.
    for (const key of ["ro", "rev"]) {
      const [call] = toolResultsOf(e, key);
      expect(call).toMatchObject({ name: "mcp__fake__write_file", isError: true });
      expect(call!.content).toContain("No such tool available");
      expect(requestsOf(e, key)[0]!.toolNames.filter((n) => n.startsWith("mcp__"))).toEqual([]);
      expect(existsSync(join(e.project, `${key}-mcp.txt`))).toBe(false);
    }

    // Control: the server works in this setup, and an agent without a tools list uses it.
    expect(toolResultsOf(e, "open")[0]).toMatchObject({ name: "mcp__fake__write_file", isError: false });
    expect(readFileSync(join(e.project, "open-mcp.txt"), "utf8")).toBe("via mcp\n");
  });

  test("a subagent's `model: haiku` beats --model, `inherit` takes it; `maxTurns: 1` stops that agent at its limit", async () => {
    await using e = await startE2E();
    projectAgent(e, "fast", "model: haiku");
    projectAgent(e, "same", "model: inherit");
    projectAgent(e, "short", "maxTurns: 1");
    e.mock.script(
      route([
        [taskMarker("fast"), textReply("Fast answer.")],
        [taskMarker("same"), textReply("Same model.")],
        [taskMarker("short"), [toolUseReply("Bash", { command: "echo again", description: "Print again" }), textReply("A second turn: the limit did not hold.")]],
      ]),
    );
    const plan = e.plan([
      { id: "fast", agent_type: "fast" },
      { id: "same", agent_type: "same" },
      { id: "short", agent_type: "short" },
    ]);
    const r = await e.orchestrate(plan, ["--model", "sonnet", "--json"], { env: cliEnv, timeoutMs: scaled(80_000) });
    expect(r.code).toBe(1);
    const tasks = JSON.parse(r.stdout).tasks as { id: string; status: string; error: string | null }[];
    expect(tasks.find((t) => t.id === "fast")!.status).toBe("completed");
    expect(tasks.find((t) => t.id === "same")!.status).toBe("completed");

    expect(requestsOf(e, "fast").map((q) => q.model)).toEqual([expect.stringMatching(/^claude-haiku-/)]);
    expect(requestsOf(e, "same").map((q) => q.model)).toEqual([expect.stringMatching(/^claude-sonnet-/)]);

    const short = tasks.find((t) => t.id === "short")!;
    expect(short.status).toBe("failed");
    expect(short.error).toMatch(/^reached the turn limit: .*\(1\)/);
    // One model call, its tool ran, and no second call: the limit was the definition's.
    expect(requestsOf(e, "short")).toHaveLength(1);
  });
});
