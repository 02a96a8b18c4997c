/**
 * The terminal transcript of `maos logs`: one block per event, each line prefixed with
 * its agent, separators for attempts and resumes. All agent text goes through
 * terminalSafe; colour only when asked (a TTY without NO_COLOR).
 */
import { formatCost, shortId } from "../ui/format.ts";
import type { Mark } from "./marks.ts";
import { terminalSafe } from "./terminal-safe.ts";
import type { TranscriptEntry, TranscriptItem } from "./transcript.ts";

const agentColors = [36, 35, 33, 32, 34, 91, 96, 95, 93, 92] as const;

export class TextRenderer {
  private readonly colorOf = new Map<string, number>();
  /** Tool names by tool_use id, so a result says which call it answers (dropped once answered). */
  private readonly toolNames = new Map<string, string>();
  private width = 8;

  constructor(private readonly color: boolean) {}

  private paint(text: string, code: number): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  private label(agent: string): string {
    if (!this.colorOf.has(agent)) this.colorOf.set(agent, agentColors[this.colorOf.size % agentColors.length]!);
    this.width = Math.max(this.width, agent.length + 1);
    return this.paint(`@${agent}`.padEnd(this.width), this.colorOf.get(agent)!);
  }

  mark(mark: Mark): string {
    if (mark.kind === "resume") {
      return `${this.paint(`══ orchestration resumed at ${mark.at} by pid ${mark.pid} (was ${mark.previous_status}) ══`, 1)}\n`;
    }
    const parts = [`@${terminalSafe(mark.agent)}`, `attempt ${mark.attempt}`];
    if (mark.session_id) parts.push(`${mark.resumed ? "resumed session" : "session"} ${shortId(mark.session_id)}`);
    if (mark.previous) {
      const why = mark.previous.reason ? `: ${terminalSafe(oneLine(mark.previous.reason))}` : "";
      parts.push(`after attempt ${mark.previous.attempt} ${mark.previous.status}${why}`);
    }
    return `${this.paint(`── ${parts.join(" · ")} ──`, 2)}\n`;
  }

  entry(entry: TranscriptEntry): string {
    if (entry.items.length === 0) return "";
    const head = this.label(terminalSafe(entry.agent));
    const pad = " ".repeat(this.width);
    let out = "";
    for (const item of entry.items) {
      const lines = this.itemLines(item);
      lines.forEach((line, i) => {
        out += `${i === 0 ? head : pad} ${line}\n`;
      });
    }
    return out;
  }

  private itemLines(item: TranscriptItem): string[] {
    switch (item.kind) {
      case "text":
        return safeLines(item.text);
      case "thinking":
        return safeLines(item.text).map((l) => this.paint(`… ${l}`, 2));
      case "tool_call":
        this.toolNames.set(item.id, item.name);
        return [`${this.paint(`▸ ${terminalSafe(item.name)}`, 1)}  ${terminalSafe(item.summary)}`];
      case "tool_result": {
        const name = this.toolNames.get(item.tool_use_id) ?? "tool";
        this.toolNames.delete(item.tool_use_id);
        const status = item.is_error ? this.paint("error", 31) : "ok";
        const lines = [`${this.paint(`◂ ${terminalSafe(name)}`, 2)} ${status}${item.lines.length ? `: ${terminalSafe(item.lines[0]!)}` : ""}`];
        for (const l of item.lines.slice(1)) lines.push(`    ${terminalSafe(l)}`);
        if (item.more_lines > 0) lines.push(this.paint(`    … ${item.more_lines} more line${item.more_lines === 1 ? "" : "s"}`, 2));
        return lines;
      }
      case "received":
        return safeLines(item.text).map((l, i) => (i === 0 ? `${this.paint("⇠", 34)} ${l}` : `  ${l}`));
      case "sent":
        return [`${this.paint(`✉ → ${item.to ? `@${terminalSafe(item.to)}` : "all"} (${item.type})`, 34)}: ${terminalSafe(item.text)}`];
      case "turn":
        return [this.turnLine(item)];
      case "init":
        return [this.paint(`⚙ session ${shortId(item.session_id)}${item.model ? ` · ${terminalSafe(item.model)}` : ""}`, 2)];
      case "retry":
        return [this.paint(`↻ API retry ${item.attempt}${item.error ? `: ${terminalSafe(item.error)}` : ""}`, 33)];
      case "other":
        return safeLines(item.text).map((l) => this.paint(l, 2));
    }
  }

  private turnLine(item: Extract<TranscriptItem, { kind: "turn" }>): string {
    const parts = [item.ok ? "turn done" : `turn failed (${terminalSafe(item.subtype)})`];
    if (item.num_turns !== null) parts.push(`${item.num_turns} turn${item.num_turns === 1 ? "" : "s"}`);
    if (item.cost_usd !== null) parts.push(formatCost(item.cost_usd));
    if (item.duration_ms !== null) parts.push(`${(item.duration_ms / 1000).toFixed(1)} s`);
    if (item.input_tokens !== null || item.output_tokens !== null) parts.push(`${item.input_tokens ?? 0} in / ${item.output_tokens ?? 0} out`);
    const line = `${item.ok ? "✓" : "✗"} ${parts.join(" · ")}${item.result ? `: ${terminalSafe(oneLine(item.result))}` : ""}`;
    return this.paint(line, item.ok ? 32 : 31);
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= 200 ? flat : `${flat.slice(0, 199)}…`;
}

function safeLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  while (lines.length > 1 && lines.at(-1)!.trim() === "") lines.pop();
  return lines.map(terminalSafe);
}
