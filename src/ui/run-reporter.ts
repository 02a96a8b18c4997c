import type { Database } from "bun:sqlite";
import type { AgentAttempt, AttemptReport } from "../agents/attempt.ts";
import { log } from "../cli/log.ts";
import type { RunReporter } from "../orchestrator/run.ts";
import { listTasks, type TaskRow } from "../store/tasks.ts";
import { paint } from "./color.ts";
import { formatCost, shorten } from "./format.ts";
import { progressBar } from "./progress.ts";
import { safeLine } from "./terminal-text.ts";

function endLine(task: TaskRow, report: AttemptReport, willRetry: boolean): string {
  const cost = formatCost(report.costUsd);
  if (report.status === "completed") return `✓ @${task.task_key} completed (attempt ${report.attempt}, ${cost})`;
  if (report.status === "interrupted") return `■ @${task.task_key} interrupted (session ${report.sessionId.slice(0, 8)} kept for resume)`;
  const hint = report.hint ? ` — ${report.hint}` : "";
  return `✗ @${task.task_key} failed: ${shorten(report.reason ?? "", 160)}${willRetry ? " — retrying" : hint}`;
}

/** Without a terminal: one log line per event on stderr. */
export class LogReporter implements RunReporter {
  taskStarted(task: TaskRow): void {
    log.info(`▶ @${task.task_key} started (${task.agent_type}, attempt ${task.attempt + 1})`);
  }
  taskEnded(task: TaskRow, report: AttemptReport, willRetry: boolean): void {
    const line = endLine(task, report, willRetry);
    if (report.status === "failed") log.warn(line);
    else log.info(line);
  }
  tasksBlocked(keys: string[]): void {
    log.warn(`blocked (a dependency failed): ${keys.map((k) => `@${k}`).join(", ")}`);
  }
  budgetSpent(): void {
    log.warn("the --budget-usd budget is spent: no new tasks will start");
  }
  runStopped(): void {
    log.warn("no new tasks will start: the same failure would repeat for every task");
  }
  note(text: string): void {
    log.info(text);
  }
  close(): void {}
}

/**
 * On a terminal: a live block on stderr, redrawn a few times a second — progress bar,
 * cost so far, and each running agent with its last activity — with event lines
 * printed above it.
 */
export class LiveReporter implements RunReporter {
  private readonly running = new Map<string, { task: TaskRow; attempt: AgentAttempt }>();
  private drawn = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly db: Database,
    private readonly orchestrationId: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.timer = setInterval(() => this.draw(), 250);
  }

  taskStarted(task: TaskRow, attempt: AgentAttempt): void {
    this.running.set(task.id, { task, attempt });
    this.print(`▶ @${task.task_key} started (${task.agent_type})`);
  }
  taskEnded(task: TaskRow, report: AttemptReport, willRetry: boolean): void {
    this.running.delete(task.id);
    const line = endLine(task, report, willRetry);
    this.print(report.status === "failed" ? paint(line, "red") : report.status === "completed" ? paint(line, "green") : line);
  }
  tasksBlocked(keys: string[]): void {
    this.print(paint(`blocked (a dependency failed): ${keys.map((k) => `@${k}`).join(", ")}`, "magenta"));
  }
  budgetSpent(): void {
    this.print(paint("the --budget-usd budget is spent: no new tasks will start", "yellow"));
  }
  runStopped(): void {
    this.print(paint("no new tasks will start: the same failure would repeat for every task", "yellow"));
  }
  note(text: string): void {
    this.print(safeLine(text));
  }
  close(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private print(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
    this.draw();
  }

  private clear(): void {
    // "\r" first: a "^C" the terminal echoed moved the cursor right, and moving up keeps the
    // column — the notice would start mid-line over the progress bar ("PrStopping…").
    if (this.drawn > 0) this.out.write(`\r\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    const tasks = listTasks(this.db, this.orchestrationId);
    const cost = tasks.reduce((sum, t) => sum + t.cost_usd, 0);
    const done = tasks.filter((t) => t.status === "completed").length;
    const width = (this.out.columns ?? 100) - 4;
    const lines = [`${progressBar(done, tasks.length)}  ${formatCost(cost)} so far`];
    for (const { task, attempt } of this.running.values()) {
      lines.push(shorten(`  ● @${task.task_key} (${task.agent_type}) ${attempt.activity ?? "starting…"}`, width));
    }
    this.clear();
    this.out.write(`${lines.join("\n")}\n`);
    this.drawn = lines.length;
  }
}
