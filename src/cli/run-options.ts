import type { ArgsDef } from "citty";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { defaultRunOptions as defaults, type RunOptions } from "../store/orchestrations.ts";
import { permissionModes as modesByStrictness } from "../agents/permission-modes.ts";
import { parseChoice, parseIntInRange } from "./parse.ts";

/** Alphabetical, as `claude --help` lists them. */
export const permissionModes = [...modesByStrictness].sort();

/** Flags that shape how agents run; `orchestrate` takes them all, `resume` the ones in `resumeFlags`. */
export const runArgs = {
  "max-parallel": { type: "string", description: "Agents running at once (1-32, default 3)", valueHint: "N" },
  "agent-timeout": { type: "string", description: "Wall-clock limit per agent attempt in seconds (default 600)", valueHint: "S" },
  "idle-timeout": { type: "string", description: "Fail an agent that prints nothing for this long, in seconds (default 300)", valueHint: "S" },
  retries: { type: "string", description: "Retries of a transient failure, in the same Claude session (0-10, default 1)", valueHint: "N" },
  "budget-usd": { type: "string", description: "Spend cap for the whole orchestration in USD", valueHint: "X" },
  model: { type: "string", description: "Claude model for agents whose definition names none or inherit (e.g. sonnet, opus)", valueHint: "M" },
  "permission-mode": { type: "string", description: `Claude permission mode: ${permissionModes.join(", ")}`, valueHint: "MODE" },
  "max-turns": { type: "string", description: "Turn limit per agent attempt", valueHint: "N" },
  durability: { type: "string", description: "Database sync: full survives power loss, normal is faster (default full)", valueHint: "full|normal" },
  "save-interval": { type: "string", description: "Auto-save interval in seconds (5-3600; default: the saved setting, 30)", valueHint: "S" },
  "checkpoint-interval": { type: "string", description: "Auto-checkpoint interval in seconds (10-86400, default 120)", valueHint: "S" },
  "live-message-cap": { type: "string", description: "Messages one agent attempt may receive while running (0-1000, default 20)", valueHint: "N" },
  "claude-bin": { type: "string", description: "The claude executable (default: $MAOS_CLAUDE_BIN, then PATH)", valueHint: "PATH" },
} as const satisfies ArgsDef;

/** The run flags `orchestration resume` accepts: they replace the stored options for this and later runs. */
export const resumeFlags = [
  "budget-usd",
  "agent-timeout",
  "idle-timeout",
  "retries",
  "max-parallel",
  "model",
  "permission-mode",
  "max-turns",
  "durability",
] as const satisfies readonly (keyof typeof runArgs)[];

type ResumeFlag = (typeof resumeFlags)[number];

/** The resume flags, same definitions; their help says that leaving one out keeps the recorded value. */
export const resumeRunArgs = Object.fromEntries(
  resumeFlags.map((flag) => {
    const def = runArgs[flag];
    const recorded = def.description.replace(/default [^)]+\)$/, "default: as recorded)");
    const description = recorded === def.description ? `${recorded} (default: as recorded)` : recorded;
    return [flag, { ...def, description }];
  }),
) as { [K in ResumeFlag]: (typeof runArgs)[K] };

type RunArgValues = { [K in keyof typeof runArgs]?: string };

const Budget = v.pipe(v.string(), v.trim(), v.regex(/^\d+(\.\d+)?$/), v.transform(Number), v.number(), v.minValue(0.0001), v.maxValue(1_000_000));
const Model = v.pipe(v.string(), v.trim(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._:\[\]-]{0,99}$/));

/**
 * Validates the run flags that were given (one UsageError line for the first bad one);
 * flags left out are absent from the result.
 */
export function parseRunOverrides(args: RunArgValues): Partial<RunOptions> {
  const o: Partial<RunOptions> = {};
  const given = <K extends keyof RunArgValues>(flag: K, parse: (s: string) => void) => {
    const value = args[flag];
    if (value !== undefined) parse(value);
  };
  given("max-parallel", (s) => (o.maxParallel = parseIntInRange(s, "--max-parallel", 1, 32)));
  given("agent-timeout", (s) => (o.agentTimeoutS = parseIntInRange(s, "--agent-timeout", 1, 86_400)));
  given("idle-timeout", (s) => (o.idleTimeoutS = parseIntInRange(s, "--idle-timeout", 1, 86_400)));
  given("retries", (s) => (o.retries = parseIntInRange(s, "--retries", 0, 10)));
  given("budget-usd", (s) => {
    const parsed = v.safeParse(Budget, s);
    if (!parsed.success) throw new UsageError(`--budget-usd must be a positive amount in USD such as 2.50, got "${s}"`);
    o.budgetUsd = parsed.output;
  });
  given("model", (s) => {
    const parsed = v.safeParse(Model, s);
    if (!parsed.success) throw new UsageError(`--model must be a model alias or id such as sonnet, got "${s}"`);
    o.model = parsed.output;
  });
  given("permission-mode", (s) => (o.permissionMode = parseChoice(s, "--permission-mode", permissionModes)));
  given("checkpoint-interval", (s) => (o.checkpointIntervalS = parseIntInRange(s, "--checkpoint-interval", 10, 86_400)));
  given("max-turns", (s) => (o.maxTurns = parseIntInRange(s, "--max-turns", 1, 10_000)));
  given("claude-bin", (s) => (o.claudeBin = s));
  given("live-message-cap", (s) => (o.liveDeliveryCap = parseIntInRange(s, "--live-message-cap", 0, 1000)));
  given("durability", (s) => {
    if (s !== "full" && s !== "normal") throw new UsageError(`--durability must be full or normal, got "${s}"`);
    o.durability = s;
  });
  return o;
}

/** Validates the run flags into RunOptions: the given ones over the defaults. */
export function parseRunOptions(args: RunArgValues): RunOptions {
  return { ...defaults, ...parseRunOverrides(args) };
}

/** The resume flags that were given, validated like `orchestrate`'s (other flags are not run options here). */
export function parseResumeOverrides(args: { [K in ResumeFlag]?: string }): Partial<RunOptions> {
  return parseRunOverrides(Object.fromEntries(resumeFlags.map((flag) => [flag, args[flag]])));
}

export function parseSaveInterval(value: string | undefined): number | null {
  return optional(value, (s) => parseIntInRange(s, "--save-interval", 5, 3600));
}

function optional<T>(value: string | undefined, parse: (v: string) => T): T | null {
  return value === undefined ? null : parse(value);
}
