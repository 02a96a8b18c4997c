import { ageMs } from "../store/time.ts";
import { safeLine } from "./terminal-text.ts";

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** One terminal-safe line of at most `max` characters (see terminal-text.ts). */
export function shorten(text: string, max: number): string {
  const oneLine = safeLine(text).replace(/\s+/g, " ").trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

export function formatCost(usd: number): string {
  return `$${usd.toFixed(usd > 0 && usd < 0.01 ? 4 : 2)}`;
}

/** 0-59 as two digits; not padStart, whose first call costs a list's start-up more than the table. */
const twoDigits = (n: number) => (n < 10 ? `0${n}` : String(n));

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${twoDigits(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${twoDigits(m % 60)}m`;
  return `${Math.floor(h / 24)}d`;
}

/** '3m ago', from a SQLite timestamp. */
export function formatAge(sqlTime: string | null | undefined, now = Date.now()): string {
  const ms = ageMs(sqlTime, now);
  return Number.isFinite(ms) ? `${formatDuration(Math.max(0, ms))} ago` : "-";
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
