import { visibleLength } from "./color.ts";

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: "left" | "right";
}

/** A plain aligned text table (two spaces between columns), header underlined with dashes. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(visibleLength(c.header), ...cells.map((r) => visibleLength(r[i]!))));
  const pad = (text: string, i: number) => {
    const gap = " ".repeat(widths[i]! - visibleLength(text));
    return columns[i]!.align === "right" ? gap + text : text + gap;
  };
  const line = (r: string[]) => r.map(pad).join("  ").trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
