import type { Database } from "bun:sqlite";
import { saveHeartbeat, refreshTotals } from "../store/orchestrations.ts";
import { transaction } from "../store/tx.ts";
import { createCheckpoint } from "./checkpoint.ts";
import type { LiveAgents } from "./stream-hooks.ts";

export interface AutoSaveOptions {
  saveIntervalS: number;
  checkpointIntervalS: number;
  onSaved?: () => void;
  onCheckpoint?: (name: string) => void;
  onError?: (error: unknown) => void;
}

/**
 * The heartbeat / auto-save loop: every save interval the orchestration row is brought
 * up to date (heartbeat, active agents, message count, cost) with each live agent's
 * conversation so far; every checkpoint interval an auto-checkpoint with real content.
 */
export class AutoSave {
  private readonly timers: ReturnType<typeof setInterval>[] = [];

  constructor(
    private readonly db: Database,
    private readonly orchestrationId: string,
    private readonly live: LiveAgents,
    private readonly options: AutoSaveOptions,
  ) {}

  start(): void {
    this.timers.push(setInterval(() => this.guard(() => this.save()), this.options.saveIntervalS * 1000));
    this.timers.push(setInterval(() => this.guard(() => this.checkpoint()), this.options.checkpointIntervalS * 1000));
  }

  save(): void {
    transaction(this.db, () => {
      for (const attempt of this.live.all()) attempt.saveProgress();
      refreshTotals(this.db, this.orchestrationId);
      saveHeartbeat(this.db, this.orchestrationId, { activeAgents: this.live.size });
    });
    this.options.onSaved?.();
  }

  checkpoint(): void {
    const info = createCheckpoint(this.db, this.orchestrationId, "auto");
    this.options.onCheckpoint?.(info.name);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
