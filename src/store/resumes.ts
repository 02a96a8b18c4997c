import type { Database } from "bun:sqlite";
import * as v from "valibot";
import type { OptionChange } from "../domain/option-changes.ts";
import { readJson } from "./json.ts";
import { sqlNow } from "./time.ts";

export const ResumeSummarySchema = v.object({
  continued: v.array(v.string()),
  started: v.array(v.string()),
  done: v.array(v.string()),
  messagesWaiting: v.number(),
  addedTask: v.nullable(v.string()),
  stoppedPids: v.array(v.number()),
});
export type ResumeSummary = v.InferOutput<typeof ResumeSummarySchema>;

const OptionValue = v.nullable(v.union([v.number(), v.string()]));
const OptionChangesSchema = v.array(v.object({ option: v.string(), from: OptionValue, to: OptionValue }));

export interface ResumeRow {
  id: number;
  orchestration_id: string;
  pid: number;
  previous_status: string;
  summary: string;
  created_at: string;
  option_changes: string;
}

export function insertResume(
  db: Database,
  orchestrationId: string,
  pid: number,
  previousStatus: string,
  summary: ResumeSummary,
  optionChanges: readonly OptionChange[] = [],
): void {
  db.query(
    "INSERT INTO resumes (orchestration_id, pid, previous_status, summary, option_changes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  ).run(orchestrationId, pid, previousStatus, JSON.stringify(summary), JSON.stringify(optionChanges), sqlNow());
}

export function listResumes(db: Database, orchestrationId: string): (ResumeRow & { parsed: ResumeSummary; changes: OptionChange[] })[] {
  return db
    .query<ResumeRow, [string]>("SELECT * FROM resumes WHERE orchestration_id = ? ORDER BY id")
    .all(orchestrationId)
    .map((r) => ({
      ...r,
      parsed: readJson(ResumeSummarySchema, r.summary, `resumes.summary of ${r.id}`),
      changes: readJson(OptionChangesSchema, r.option_changes, `resumes.option_changes of ${r.id}`),
    }));
}
