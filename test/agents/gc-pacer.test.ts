import { afterAll, describe, expect, spyOn, test } from "bun:test";
import { GcPacer } from "../../src/agents/gc-pacer.ts";

describe("GcPacer", () => {
  const gc = spyOn(Bun, "gc");
  afterAll(() => gc.mockRestore());

  test("runs one full collection per collectEveryRows committed rows, whatever the batch sizes", () => {
    const pacer = new GcPacer(100);
    pacer.committed(60);
    expect(gc).not.toHaveBeenCalled();
    pacer.committed(50); // 110
    expect(gc.mock.calls).toEqual([[true]]);
    for (let i = 0; i < 8; i++) pacer.committed(10); // 190: the 10 left over count
    expect(gc).toHaveBeenCalledTimes(1);
    pacer.committed(10); // 200
    expect(gc).toHaveBeenCalledTimes(2);
    expect(pacer.collections).toBe(2);
  });
});
