import { flagOf, type OptionChange } from "../domain/option-changes.ts";
import { formatCost } from "./format.ts";

const seconds = new Set(["agentTimeoutS", "idleTimeoutS", "checkpointIntervalS"]);

function formatValue(option: string, value: OptionChange["from"]): string {
  if (value === null) return option === "budgetUsd" ? "none" : "default";
  if (option === "budgetUsd" && typeof value === "number") return formatCost(value);
  return seconds.has(option) ? `${value} s` : String(value);
}

/** One change as people read it: `--agent-timeout 1 s → 30 s`. */
export function formatOptionChange(c: OptionChange): string {
  return `${flagOf(c.option)} ${formatValue(c.option, c.from)} → ${formatValue(c.option, c.to)}`;
}

export function formatOptionChanges(changes: readonly OptionChange[]): string {
  return changes.map(formatOptionChange).join(", ");
}
