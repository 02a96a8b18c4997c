import type { AgentLimits } from "./agent-limits.ts";

/** Everything one attempt's command line carries; the tool, model, mode and turn limits come from agentLimits(). */
export interface AgentArgsOptions extends AgentLimits {
  sessionId: string;
  /** Continue this session (a later attempt, or a resume) instead of starting it. */
  resume: boolean;
  maxBudgetUsd: number | null;
  appendSystemPrompt: string;
}

/** The argument array for one agent attempt (never a shell string). */
export function agentArgs(o: AgentArgsOptions): string[] {
  // --replay-user-messages echoes each stdin message when claude consumes it: that is how
  // maos knows which mailbox messages a finished turn has seen.
  const args = ["-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose", "--replay-user-messages"];
  args.push(...(o.resume ? ["--resume", o.sessionId] : ["--session-id", o.sessionId]));
  if (o.model) args.push("--model", o.model);
  if (o.permissionMode) args.push("--permission-mode", o.permissionMode);
  // '=' form: the CLI's tool flags are variadic and would swallow a following argument.
  // `--tools=` (empty) is how the CLI is told that no tool exists.
  if (o.tools !== null) args.push(`--tools=${o.tools.join(",")}`);
  if (o.allowedTools.length > 0) args.push(`--allowedTools=${o.allowedTools.join(",")}`);
  if (o.disallowedTools.length > 0) args.push(`--disallowedTools=${o.disallowedTools.join(",")}`);
  if (!o.mcpServers) args.push("--strict-mcp-config");
  if (o.maxTurns !== null) args.push("--max-turns", String(o.maxTurns));
  if (o.maxBudgetUsd !== null) args.push("--max-budget-usd", o.maxBudgetUsd.toFixed(4));
  if (o.appendSystemPrompt) args.push("--append-system-prompt", o.appendSystemPrompt);
  return args;
}

/**
 * The agent's environment: the user's, plus IS_SANDBOX=1 when running as root with a
 * bypass mode (the CLI refuses --dangerously-skip-permissions as root otherwise). Called
 * with each agent's own effective mode, which may be stricter than the run's.
 */
export function agentEnv(permissionMode: string | null, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  if (permissionMode === "bypassPermissions" && process.getuid?.() === 0 && env.IS_SANDBOX === undefined) env.IS_SANDBOX = "1";
  return env;
}

/** The config dir claude will use, recorded so a resume finds the transcript. */
export function claudeConfigDir(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.CLAUDE_CONFIG_DIR ?? null;
}

/** A stream-json user message for the agent's stdin. */
export function userMessage(text: string): string {
  return `${JSON.stringify({ type: "user", message: { role: "user", content: text } })}\n`;
}

export function interruptRequest(id: string): string {
  return `${JSON.stringify({ type: "control_request", request_id: id, request: { subtype: "interrupt" } })}\n`;
}
