import { InterruptedError, RunFailedError } from "../errors.ts";
import type { RunResult } from "../orchestrator/run.ts";
import { renderSummary } from "../ui/summary-view.ts";
import { emit } from "./output.ts";

/**
 * Prints a run's summary (JSON or table) and turns its end into the exit code:
 * completed or cancelled 0, failed tasks 1, interrupted 130 (state saved).
 */
export function reportRun(args: { json?: boolean }, result: RunResult): void {
  emit(args, result.summary, renderSummary);
  const { summary } = result;
  const short = summary.orchestration_id.slice(0, 8);
  if (result.interrupted) {
    throw new InterruptedError(`interrupted; orchestration ${short} is paused and saved`, `resume with \`${summary.resume_hint}\``);
  }
  if (summary.status === "failed") {
    const failed = summary.tasks.filter((t) => t.status !== "completed").map((t) => `@${t.id} ${t.status}`);
    throw new RunFailedError(
      `orchestration ${short} finished with tasks not completed: ${failed.join(", ")}`,
      summary.resume_hint ? `fix the cause, then \`${summary.resume_hint}\`` : undefined,
    );
  }
}
