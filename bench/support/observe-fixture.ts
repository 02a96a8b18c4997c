/**
 * A database with one orchestration of 20 agents, for the observation benches (`maos logs`,
 * `maos serve`): the rows through the store API, the events straight through one prepared
 * bun:sqlite statement in large transactions (fast: generating a million takes seconds).
 */
import type { Database } from "bun:sqlite";
import { hostname } from "node:os";
import { insertAgent } from "../../src/store/agents.ts";
import { insertAttempt } from "../../src/store/attempts.ts";
import { defaultRunOptions, insertOrchestration } from "../../src/store/orchestrations.ts";
import { insertTask } from "../../src/store/tasks.ts";
import { sqlNow } from "../../src/store/time.ts";
import { transaction } from "../../src/store/tx.ts";

export const benchAgents = 20;

export function seedOrchestration(db: Database, ownerPid: number): { id: string; agentIds: string[] } {
  const id = crypto.randomUUID();
  const agentIds = transaction(db, () => {
    insertOrchestration(db, {
      id,
      request: "bench: observe 20 agents",
      cwd: "/tmp",
      claudeConfigDir: null,
      ownerPid,
      ownerHost: hostname(),
      saveIntervalS: 30,
      options: { ...defaultRunOptions, maxParallel: benchAgents },
    });
    return Array.from({ length: benchAgents }, (_, position) => {
      const key = `agent-${position}`;
      const taskId = insertTask(db, { orchestrationId: id, key, position, agentType: "developer", description: key, dependsOn: [] });
      insertAgent(db, { id: taskId, name: key, type: "developer", orchestrationId: id, taskId, capabilities: [], source: "builtin" });
      insertAttempt(db, { orchestrationId: id, taskId, agentId: taskId, attempt: 1, sessionId: crypto.randomUUID(), resumed: false, budgetShareUsd: null });
      return taskId;
    });
  });
  return { id, agentIds };
}

/** The k-th line an agent streams: mostly text, with tool calls, tool results and turn results among them. */
export function benchLine(k: number): { type: string; subtype: string | null; raw: string } {
  switch (k % 10) {
    case 3:
      return { type: "assistant", subtype: null, raw: JSON.stringify({ type: "assistant", message: { content: [{ type: "tool_use", id: `toolu_${k}`, name: "Bash", input: { command: `bun test test/part-${k}.test.ts` } }] } }) };
    case 4:
      return { type: "user", subtype: null, raw: JSON.stringify({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: `toolu_${k - 1}`, content: "ok 1\nok 2\nok 3\nok 4\nok 5\nok 6" }] } }) };
    case 9:
      return { type: "result", subtype: "success", raw: JSON.stringify({ type: "result", subtype: "success", is_error: false, result: "done", total_cost_usd: 0.01, duration_ms: 1200, num_turns: 2, usage: { input_tokens: 900, output_tokens: 120 } }) };
    default:
      return { type: "assistant", subtype: null, raw: JSON.stringify({ type: "assistant", message: { content: [{ type: "text", text: `Step ${k}: ${"reading the code and planning the change. ".repeat(4)}` }] } }) };
  }
}

/** Inserts `perAgent` events for each agent, interleaved as parallel agents commit them, in 50,000-row transactions. */
export function insertBenchEvents(db: Database, orchestrationId: string, agentIds: readonly string[], perAgent: number, firstSeq = 1): void {
  const stmt = db.prepare(
    "INSERT INTO events (orchestration_id, agent_id, session_id, attempt, seq, ts, type, subtype, raw) VALUES (?, ?, NULL, 1, ?, ?, ?, ?, ?)",
  );
  const lines = Array.from({ length: 10 }, (_, k) => benchLine(k));
  const total = perAgent * agentIds.length;
  for (let start = 0; start < total; start += 50_000) {
    const ts = sqlNow();
    db.transaction(() => {
      for (let n = start; n < Math.min(total, start + 50_000); n++) {
        const k = Math.floor(n / agentIds.length);
        const line = lines[k % 10]!;
        stmt.run(orchestrationId, agentIds[n % agentIds.length]!, firstSeq + k, ts, line.type, line.subtype, line.raw);
      }
    }).immediate();
  }
}

/** The peak resident set of a running process, sampled from /proc until it exits (0 where there is no /proc). */
export function sampleRss(pid: number, everyMs = 20): { stop: () => number } {
  let peak = 0;
  const read = () => {
    try {
      const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string;
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      // gone
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
