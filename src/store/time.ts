/** UTC in SQLite's own text format 'YYYY-MM-DD HH:MM:SS.SSS', comparable with datetime('now', …). */
export function sqlNow(date: Date = new Date()): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}

/** Parses SQLite's UTC text format back into a Date. */
export function parseSqlTime(text: string): Date {
  return new Date(`${text.replace(" ", "T")}Z`);
}

/** Milliseconds since the given SQLite timestamp. */
export function ageMs(text: string | null | undefined, now = Date.now()): number {
  return text ? now - parseSqlTime(text).getTime() : Number.POSITIVE_INFINITY;
}
