import { expect, test } from "bun:test";
import { renderTable } from "../../src/ui/table.ts";

const columns = [
  { header: "ID", value: (r: { id: string; n: number }) => r.id },
  { header: "COUNT", value: (r: { id: string; n: number }) => String(r.n), align: "right" as const },
  { header: "NOTE", value: (r: { id: string; n: number }) => (r.n > 1 ? "\x1b[31mred\x1b[0m" : "字字") },
];

test("columns are padded to their widest cell, right-aligned ones on the left, and lines end without spaces", () => {
  const table = renderTable(
    [
      { id: "a", n: 1 },
      { id: "longer-id", n: 12345 },
    ],
    columns,
  );
  expect(table.split("\n")).toEqual([
    "ID         COUNT  NOTE",
    "---------  -----  ----",
    "a              1  字字",
    "longer-id  12345  \x1b[31mred\x1b[0m",
  ]);
});

test("no rows: the header and its rule only", () => {
  expect(renderTable([], columns)).toBe("ID  COUNT  NOTE\n--  -----  ----");
});
