import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { insertAgent } from "../../src/store/agents.ts";
import { openDatabase } from "../../src/store/db.ts";
import { defaultRunOptions, insertOrchestration, type RunOptions } from "../../src/store/orchestrations.ts";
import { insertTask } from "../../src/store/tasks.ts";
import { transaction } from "../../src/store/tx.ts";

export const runOptions: RunOptions = { ...defaultRunOptions, maxParallel: 4, retries: 0 };

export interface TempDb {
  db: Database;
  path: string;
  dir: string;
  close(): void;
}

/** A fresh database file in its own temp dir; close() removes both. */
export function tempDb(durability: "full" | "normal" = "full"): TempDb {
  const dir = mkdtempSync(join(tmpdir(), "maos-bus-"));
  const path = join(dir, "maos.db");
  const db = openDatabase(path, { durability });
  return {
    db,
    path,
    dir,
    close() {
      db.close(false);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * An orchestration whose plan was accepted: one task and one agent row per key
 * (agent id == task id == `<orchestration>:<key>`). Returns the agent ids by key.
 */
export function seedOrchestration(db: Database, id: string, keys: readonly string[]): Record<string, string> {
  const agents: Record<string, string> = {};
  transaction(db, () => {
    insertOrchestration(db, {
      id,
      request: "test request",
      cwd: "/tmp",
      claudeConfigDir: null,
      ownerPid: process.pid,
      ownerHost: "test",
      saveIntervalS: 30,
      options: runOptions,
    });
    keys.forEach((key, position) => {
      const taskId = insertTask(db, { orchestrationId: id, key, position, agentType: "developer", description: `task ${key}`, dependsOn: [] });
      insertAgent(db, { id: taskId, name: key, type: "developer", orchestrationId: id, taskId, capabilities: [], source: "builtin" });
      agents[key] = taskId;
    });
  });
  return agents;
}
