import type { MessageView } from "../store/messages.ts";
import { paint } from "./color.ts";
import { shortId, shorten } from "./format.ts";
import { renderTable, type Column } from "./table.ts";

/** Messages as a table: time, from → to, type, delivery state, text (plus the orchestration, across several). */
export function renderMessages(messages: readonly MessageView[], options: { withOrchestration?: boolean } = {}): string {
  if (messages.length === 0) return "  (none)";
  const columns: Column<MessageView>[] = [
    { header: "TIME", value: (m) => m.timestamp.slice(0, 19) },
    ...(options.withOrchestration ? [{ header: "ORCH", value: (m: MessageView) => shortId(m.orchestration_id) }] : []),
    { header: "FROM → TO", value: (m) => `${m.from_task} → ${m.to_task ?? "all"}` },
    { header: "TYPE", value: (m) => m.message_type },
    {
      header: "STATE",
      value: (m) =>
        m.undeliverable
          ? paint("undeliverable", "red")
          : `${m.delivered}/${m.recipients} delivered, ${m.acked} acked${m.dropped ? paint(`, ${m.dropped} undeliverable`, "red") : ""}`,
    },
    { header: "TEXT", value: (m) => shorten(m.message, 60) },
  ];
  return renderTable(messages, columns);
}
