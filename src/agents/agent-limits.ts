import type { RunOptions } from "../store/orchestrations.ts";
import { baseToolNames, type AgentDefinition } from "./catalog.ts";
import { isPermissionMode, stricterMode, type PermissionMode } from "./permission-modes.ts";

/**
 * What one agent may do and how far it may go, as claude flags: the definition's fields
 * combined with the orchestration's run options.
 *
 * Claude Code has two separate gates, and maos uses both:
 * - `--tools` decides which tools exist at all. A tool outside the list is "No such tool"
 *   in every permission mode, bypassPermissions included.
 * - `--allowedTools` only pre-approves rules (`Read`, `Bash(git log:*)`); whether anything
 *   else runs is up to the permission mode.
 *
 * Precedence (the run's flags are what the person starting maos granted; a definition,
 * which may come from a cloned repository, can narrow them but never widen them):
 * - model: the definition's model; `inherit` or none = the run's --model, else the CLI default.
 * - permissionMode: the stricter of the definition's and the run's (no --permission-mode
 *   counts as `default`).
 * - maxTurns: the smaller of the definition's and the run's.
 * - A tool listed only through patterns (`Bash(git log:*)` without a bare `Bash`) must
 *   still exist for the patterns to be usable, so the pattern is the only limit, and it
 *   holds only in a mode that refuses what is not pre-approved: such an agent runs in
 *   `dontAsk` (or `plan`). Under bypassPermissions or acceptEdits the CLI would run any
 *   command, e.g. `echo x > file` (observed with 2.1.197 and 2.1.332).
 * - `--tools` covers the built-in tools only: MCP servers from the user's Claude Code
 *   configuration add their tools whatever it says (observed with 2.1.197 and 2.1.332).
 *   A definition that lists its tools and names no MCP tool gets no MCP server at all
 *   (`--strict-mcp-config`), as a Claude Code subagent with such a `tools` list has none.
 */
export interface AgentLimits {
  /** `--tools`: bare names of the tools that exist; null = the CLI's full set; [] = none. */
  tools: string[] | null;
  /** `--allowedTools`: the definition's rules, pre-approved. */
  allowedTools: string[];
  /** `--disallowedTools`. */
  disallowedTools: string[];
  /** Whether the MCP servers of the user's Claude Code configuration are loaded; false = `--strict-mcp-config`. */
  mcpServers: boolean;
  model: string | null;
  /** null = not passed (the CLI's default, or the user's settings). */
  permissionMode: PermissionMode | null;
  maxTurns: number | null;
}

export type LimitedDefinition = Pick<AgentDefinition, "tools" | "disallowedTools" | "model" | "permissionMode" | "maxTurns">;
export type LimitingRunOptions = Pick<RunOptions, "model" | "permissionMode" | "maxTurns">;

/** The mode that enforces pattern-only tools: only pre-approved rules run. */
const patternEnforcingMode: PermissionMode = "dontAsk";

/** Tools the rules grant only through a pattern (`Bash(git log:*)` with no bare `Bash`). */
export function patternOnlyTools(rules: readonly string[]): string[] {
  const bare = new Set(rules.filter((r) => !r.includes("(")));
  return baseToolNames(rules.filter((r) => r.includes("("))).filter((name) => !bare.has(name));
}

function effectiveMode(definition: LimitedDefinition, run: LimitingRunOptions): PermissionMode | null {
  // RunOptions stores the mode as text validated by the CLI; anything else would be a bug upstream.
  const runMode = run.permissionMode !== null && isPermissionMode(run.permissionMode) ? run.permissionMode : null;
  let mode = runMode;
  if (definition.permissionMode !== null) {
    const narrowed = stricterMode(definition.permissionMode, runMode ?? "default");
    // Passing `default` explicitly when the run passed nothing would override the user's settings.
    if (narrowed !== (runMode ?? "default")) mode = narrowed;
  }
  if (definition.tools !== null && patternOnlyTools(definition.tools).length > 0) {
    mode = stricterMode(mode ?? "default", patternEnforcingMode);
  }
  return mode;
}

/**
 * Whether an agent gets the MCP servers of the user's Claude Code configuration: with no
 * `tools` list (every tool), or a list naming an MCP tool (`mcp__<server>__<tool>`) or a
 * whole server (`mcp__<server>`).
 */
export function keepsMcpServers(tools: readonly string[] | null): boolean {
  return tools === null || tools.some((rule) => rule.startsWith("mcp__"));
}

const smaller = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

export function agentLimits(definition: LimitedDefinition, run: LimitingRunOptions): AgentLimits {
  return {
    tools: definition.tools === null ? null : baseToolNames(definition.tools),
    allowedTools: definition.tools ?? [],
    disallowedTools: definition.disallowedTools,
    mcpServers: keepsMcpServers(definition.tools),
    model: definition.model ?? run.model,
    permissionMode: effectiveMode(definition, run),
    maxTurns: smaller(definition.maxTurns, run.maxTurns),
  };
}
