import type { RunOptions } from "../store/orchestrations.ts";

/** One run option a resume changed, recorded with the resume (RunOptions key, old and new value). */
export interface OptionChange {
  option: string;
  from: number | string | null;
  to: number | string | null;
}

/** The flag that sets each run option, as people type it (and see it in `status`). */
export const optionFlags: Record<keyof RunOptions, string> = {
  maxParallel: "--max-parallel",
  agentTimeoutS: "--agent-timeout",
  idleTimeoutS: "--idle-timeout",
  retries: "--retries",
  budgetUsd: "--budget-usd",
  model: "--model",
  permissionMode: "--permission-mode",
  checkpointIntervalS: "--checkpoint-interval",
  maxTurns: "--max-turns",
  claudeBin: "--claude-bin",
  liveDeliveryCap: "--live-message-cap",
  durability: "--durability",
  isolation: "--isolation",
  onConflict: "--on-conflict",
  finalMerge: "--no-merge",
};

export function flagOf(option: string): string {
  return (optionFlags as Record<string, string>)[option] ?? option;
}

/** The options that differ between two option sets, in the order of `optionFlags`. */
export function diffOptions(before: RunOptions, after: RunOptions): OptionChange[] {
  const changes: OptionChange[] = [];
  for (const option of Object.keys(optionFlags) as (keyof RunOptions)[]) {
    if (before[option] !== after[option]) changes.push({ option, from: before[option], to: after[option] });
  }
  return changes;
}
