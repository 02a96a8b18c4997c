import { UsageError } from "../errors.ts";
import { sqlNow } from "../store/time.ts";

/** `--since`: an event position (a number), or a time — an ISO date-time (UTC unless it says) or an age such as 10m. */
export type Since = { kind: "position"; afterId: number } | { kind: "time"; at: string };

const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const isoTime = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseSince(value: unknown, now = Date.now()): Since {
  const text = typeof value === "string" ? value.trim() : "";
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return { kind: "position", afterId: Number(text) };
  const age = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text);
  if (age) return { kind: "time", at: sqlNow(new Date(now - Number(age[1]) * unitMs[age[2] as keyof typeof unitMs])) };
  const iso = isoTime.exec(text);
  if (iso) {
    const date = new Date(`${iso[1]}T${iso[2] ?? "00:00"}${iso[3] ?? "Z"}`);
    if (!Number.isNaN(date.getTime())) return { kind: "time", at: sqlNow(date) };
  }
  throw new UsageError(
    `--since must be an event position (a number), a UTC time such as 2026-12-01T14:30:00Z or an age such as 10m, got ${typeof value === "string" ? `"${value}"` : "no value"}`,
  );
}
