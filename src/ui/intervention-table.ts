import type { InterventionEntry } from "../orchestrator/intervention-log.ts";
import { formatAge, shorten } from "./format.ts";
import { renderTable } from "./table.ts";

/** The interventions of one orchestration, oldest first. */
export function renderInterventions(entries: readonly InterventionEntry[]): string {
  return renderTable(entries, [
    { header: "WHEN", value: (i) => formatAge(i.requested_at) },
    { header: "WHO", value: (i) => i.requested_by },
    { header: "ACTION", value: (i) => `${i.action}${i.fresh ? " --fresh" : ""}` },
    { header: "TARGET", value: (i) => (i.task === null ? "(orchestration)" : `@${i.task}`) },
    { header: "STATUS", value: (i) => i.status },
    { header: "OUTCOME", value: (i) => shorten(i.outcome ?? "-", 70) },
  ]);
}
