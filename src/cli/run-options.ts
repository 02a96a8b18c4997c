import type { ArgsDef } from "citty";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { defaultRunOptions as defaults, type RunOptions } from "../store/orchestrations.ts";
import { permissionModes as modesByStrictness } from "../agents/permission-modes.ts";
import { parseChoice, parseIntInRange } from "./parse.ts";

/** Alphabetical, as `claude --help` lists them. */
export const permissionModes = [...modesByStrictness].sort();

/** Flags that shape how agents run; `orchestrate` takes them all. */
export const runArgs = {
  "max-parallel": { type: "string", description: "Agents running at once (1-32, default 3)", valueHint: "N" },
  "agent-timeout": { type: "string", description: "Wall-clock limit per agent attempt in seconds (default 600)", valueHint: "S" },
  "idle-timeout": { type: "string", description: "Fail an agent that prints nothing for this long, in seconds (default 300)", valueHint: "S" },
  retries: { type: "string", description: "Retries of a transient failure, in the same Claude session (0-10, default 1)", valueHint: "N" },
  "budget-usd": { type: "string", description: "Spend cap for the whole orchestration in USD", valueHint: "X" },
  model: { type: "string", description: "Claude model for agents whose definition names none or inherit (e.g. sonnet, opus)", valueHint: "M" },
  "permission-mode": { type: "string", description: `Claude permission mode: ${permissionModes.join(", ")}`, valueHint: "MODE" },
  "max-turns": { type: "string", description: "Turn limit per agent attempt", valueHint: "N" },
  "save-interval": { type: "string", description: "Auto-save interval in seconds (5-3600; default: the saved setting, 30)", valueHint: "S" },
  "checkpoint-interval": { type: "string", description: "Auto-checkpoint interval in seconds (10-86400, default 120)", valueHint: "S" },
  "live-message-cap": { type: "string", description: "Messages one agent attempt may receive while running (0-1000, default 20)", valueHint: "N" },
  "claude-bin": { type: "string", description: "The claude executable (default: $MAOS_CLAUDE_BIN, then PATH)", valueHint: "PATH" },
} as const satisfies ArgsDef;

type RunArgValues = { [K in keyof typeof runArgs]?: string };

const Budget = v.pipe(v.string(), v.trim(), v.regex(/^\d+(\.\d+)?$/), v.transform(Number), v.number(), v.minValue(0.0001), v.maxValue(1_000_000));
const Model = v.pipe(v.string(), v.trim(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._:\[\]-]{0,99}$/));

function optional<T>(value: string | undefined, parse: (v: string) => T): T | null {
  return value === undefined ? null : parse(value);
}

/** Validates the run flags into RunOptions (one UsageError line for the first bad one). */
export function parseRunOptions(args: RunArgValues): RunOptions {
  return {
    maxParallel: optional(args["max-parallel"], (s) => parseIntInRange(s, "--max-parallel", 1, 32)) ?? defaults.maxParallel,
    agentTimeoutS: optional(args["agent-timeout"], (s) => parseIntInRange(s, "--agent-timeout", 1, 86_400)) ?? defaults.agentTimeoutS,
    idleTimeoutS: optional(args["idle-timeout"], (s) => parseIntInRange(s, "--idle-timeout", 1, 86_400)) ?? defaults.idleTimeoutS,
    retries: optional(args.retries, (s) => parseIntInRange(s, "--retries", 0, 10)) ?? defaults.retries,
    budgetUsd: optional(args["budget-usd"], (s) => {
      const parsed = v.safeParse(Budget, s);
      if (!parsed.success) throw new UsageError(`--budget-usd must be a positive amount in USD such as 2.50, got "${s}"`);
      return parsed.output;
    }),
    model: optional(args.model, (s) => {
      const parsed = v.safeParse(Model, s);
      if (!parsed.success) throw new UsageError(`--model must be a model alias or id such as sonnet, got "${s}"`);
      return parsed.output;
    }),
    permissionMode: optional(args["permission-mode"], (s) => parseChoice(s, "--permission-mode", permissionModes)),
    checkpointIntervalS:
      optional(args["checkpoint-interval"], (s) => parseIntInRange(s, "--checkpoint-interval", 10, 86_400)) ?? defaults.checkpointIntervalS,
    maxTurns: optional(args["max-turns"], (s) => parseIntInRange(s, "--max-turns", 1, 10_000)),
    claudeBin: args["claude-bin"] ?? null,
    liveDeliveryCap: optional(args["live-message-cap"], (s) => parseIntInRange(s, "--live-message-cap", 0, 1000)) ?? defaults.liveDeliveryCap,
  };
}

export function parseSaveInterval(value: string | undefined): number | null {
  return optional(value, (s) => parseIntInRange(s, "--save-interval", 5, 3600));
}
