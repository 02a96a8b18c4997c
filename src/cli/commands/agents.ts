import { defineCommand } from "../command.ts";
import { homedir } from "node:os";
import { keepsMcpServers, patternOnlyTools } from "../../agents/agent-limits.ts";
import { loadCatalog, type AgentDefinition } from "../../agents/catalog.ts";
import { paint } from "../../ui/color.ts";
import { shorten } from "../../ui/format.ts";
import { renderTable } from "../../ui/table.ts";
import { jsonArgs } from "../args.ts";
import { log } from "../log.ts";
import { emit } from "../output.ts";

const toolsText = (a: AgentDefinition) => (a.tools === null ? "all" : a.tools.length === 0 ? "none" : a.tools.join(", "));

/** For the table: `Bash(git log:*), Bash(ls:*)` shown as one `Bash(limited)`. */
function toolsSummary(a: AgentDefinition): string {
  if (a.tools === null || a.tools.length === 0) return toolsText(a);
  const names = a.tools.map((t) => (/^[^(]+\(.+\)$/.test(t) ? `${t.slice(0, t.indexOf("("))}(limited)` : t));
  return [...new Set(names)].join(", ");
}

/** How the agent's permission mode comes out of its definition and the run's flag (see agentLimits). */
function permissionText(a: AgentDefinition): string {
  const limited = a.tools === null ? [] : patternOnlyTools(a.tools);
  if (limited.length > 0) return `dontAsk — ${limited.join(", ")} limited to the listed patterns, whatever --permission-mode says (plan stays plan)`;
  if (a.permissionMode) return `${a.permissionMode}, or the run's --permission-mode if that is stricter`;
  return "the run's --permission-mode";
}

const modelText = (a: AgentDefinition) => a.model ?? "inherit";

function renderVerbose(agents: AgentDefinition[]): string {
  return agents
    .map((a) =>
      [
        paint(a.name, "bold"),
        `  source:      ${a.source}${a.file ? ` (${a.file})` : ""}`,
        `  model:       ${a.model ?? "inherit (the run's --model, else Claude Code's default)"}`,
        `  tools:       ${toolsText(a)}`,
        ...(a.disallowedTools.length ? [`  disallowed:  ${a.disallowedTools.join(", ")}`] : []),
        `  MCP servers: ${keepsMcpServers(a.tools) ? "those of your Claude Code configuration" : "none (its tools list names no MCP tool)"}`,
        `  permission:  ${permissionText(a)}`,
        ...(a.maxTurns !== null ? [`  max turns:   ${a.maxTurns}, or the run's --max-turns if smaller`] : []),
        `  description: ${a.description}`,
        "  prompt:",
        a.prompt.replace(/^/gm, "    "),
      ].join("\n"),
    )
    .join("\n\n");
}

export default defineCommand({
  meta: { name: "agents", description: "List the agent types a plan can use (built-in, ~/.claude/agents, .claude/agents)" },
  args: {
    ...jsonArgs,
    verbose: { type: "boolean", description: "Show each agent's file, full tool list and role prompt" },
  },
  run({ args }) {
    const catalog = loadCatalog({ cwd: process.cwd(), home: process.env.HOME ?? homedir() });
    for (const p of catalog.problems) log.warn(`skipped agent file ${p.file}: ${p.reason}`);
    emit(args, catalog, (c) => {
      if (args.verbose) return renderVerbose(c.agents);
      return renderTable(c.agents, [
        { header: "NAME", value: (a) => a.name },
        { header: "SOURCE", value: (a) => a.source },
        { header: "MODEL", value: modelText },
        { header: "TOOLS", value: (a) => shorten(toolsSummary(a), 50) },
        { header: "DESCRIPTION", value: (a) => shorten(a.description, 70) },
      ]);
    });
  },
});
