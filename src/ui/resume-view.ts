import type { ResumePreview } from "../orchestrator/resume.ts";
import { formatAge, shortId, shorten } from "./format.ts";
import { formatOptionChanges } from "./option-change.ts";

/** What a resume is about to do, for people. */
export function renderResumePreview(p: ResumePreview): string {
  const o = p.orchestration;
  const list = (keys: readonly string[]) => (keys.length ? keys.map((k) => `@${k}`).join(", ") : "none");
  return [
    `Resuming orchestration ${shortId(o.id)}: ${shorten(o.request, 70)}`,
    `Status: ${p.interrupted ? "paused (interrupted)" : o.status}, created ${formatAge(o.created_at)}, last saved ${formatAge(p.lastSavedAt)}`,
    ...(p.needsPlan ? ["No plan was accepted before it stopped: it will be planned again."] : []),
    `Continue (interrupted): ${list(p.continue)}`,
    `Start: ${list(p.start)}`,
    `Already done (not re-run): ${list(p.done)}`,
    `Messages waiting for delivery: ${p.messagesWaiting}`,
    p.optionChanges.length > 0 ? `Options changed (kept for later resumes): ${formatOptionChanges(p.optionChanges)}` : "Options: as recorded",
    ...(p.addedTask ? [`New task @${p.addedTask.key} (developer, after every other task): ${shorten(p.addedTask.description, 70)}`] : []),
  ].join("\n");
}
