import type { Database } from "bun:sqlite";
import * as v from "valibot";
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

export interface ResumeRow {
  id: number;
  orchestration_id: string;
  pid: number;
  previous_status: string;
  summary: string;
  created_at: string;
}

export function insertResume(db: Database, orchestrationId: string, pid: number, previousStatus: string, summary: ResumeSummary): void {
  db.query(
    "INSERT INTO resumes (orchestration_id, pid, previous_status, summary, created_at) VALUES (?, ?, ?, ?, ?)",
  ).run(orchestrationId, pid, previousStatus, JSON.stringify(summary), sqlNow());
}

export function listResumes(db: Database, orchestrationId: string): (ResumeRow & { parsed: ResumeSummary })[] {
  return db
    .query<ResumeRow, [string]>("SELECT * FROM resumes WHERE orchestration_id = ? ORDER BY id")
    .all(orchestrationId)
    .map((r) => ({ ...r, parsed: readJson(ResumeSummarySchema, r.summary, `resumes.summary of ${r.id}`) }));
}
