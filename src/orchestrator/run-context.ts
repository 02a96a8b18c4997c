import type { Database } from "bun:sqlite";
import { agentEnv } from "../agents/claude-args.ts";
import type { AgentDefinition } from "../agents/catalog.ts";
import { readOptions, type OrchestrationRow, type RunOptions } from "../store/orchestrations.ts";

/**
 * Everything a run of an orchestration needs, compiled once from its row: the fresh run
 * and every resume read the same columns the same way, so an option stored once (or
 * changed by a resume) holds for the planner, the scheduler and every agent attempt.
 */
export interface RunContext {
  db: Database;
  orchestrationId: string;
  request: string;
  /** Every run option, durability included. */
  options: RunOptions;
  saveIntervalS: number;
  cwd: string;
  claudeConfigDir: string | null;
  bin: string;
  /** The agents' environment. */
  env: Record<string, string>;
  definitionFor: (agentType: string) => AgentDefinition;
}

export interface RunContextInput {
  /** The claude executable found for this run (a flag, the recorded one, $MAOS_CLAUDE_BIN or PATH). */
  bin: string;
  definitionFor: (agentType: string) => AgentDefinition;
  /** What the agents inherit before maos adds its own variables (default: this process's environment). */
  baseEnv?: NodeJS.ProcessEnv;
}

export function compileRunContext(db: Database, row: OrchestrationRow, input: RunContextInput): RunContext {
  const options = readOptions(row);
  const env = agentEnv(options.permissionMode, input.baseEnv);
  // Transcripts live under the config dir recorded at the start: every run must use that one,
  // whatever CLAUDE_CONFIG_DIR says now, or `claude --resume` finds no conversation.
  if (row.claude_config_dir === null) delete env.CLAUDE_CONFIG_DIR;
  else env.CLAUDE_CONFIG_DIR = row.claude_config_dir;
  return {
    db,
    orchestrationId: row.id,
    request: row.request,
    options,
    saveIntervalS: row.save_interval_s,
    cwd: row.cwd,
    claudeConfigDir: row.claude_config_dir,
    bin: input.bin,
    env,
    definitionFor: input.definitionFor,
  };
}
