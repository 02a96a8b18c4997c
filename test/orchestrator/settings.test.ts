import { afterEach, beforeEach, expect, test } from "bun:test";
import { getSaveIntervalS, hasStoredSaveInterval, setSaveIntervalS } from "../../src/orchestrator/settings.ts";
import { setSetting } from "../../src/store/settings.ts";
import { createTestDb, type TestDb } from "../support/fixtures.ts";

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

test("the save interval defaults to 30 s and persists what is set", () => {
  expect(getSaveIntervalS(t.db)).toBe(30);
  expect(hasStoredSaveInterval(t.db)).toBe(false);
  setSaveIntervalS(t.db, 90);
  expect(getSaveIntervalS(t.db)).toBe(90);
  expect(hasStoredSaveInterval(t.db)).toBe(true);
});

test("out-of-range values are refused on write and ignored on read", () => {
  expect(() => setSaveIntervalS(t.db, 4)).toThrow(RangeError);
  expect(() => setSaveIntervalS(t.db, 3601)).toThrow(RangeError);
  expect(() => setSaveIntervalS(t.db, 12.5)).toThrow(RangeError);
  setSetting(t.db, "save_interval_s", "nonsense"); // e.g. edited by hand with sqlite3
  expect(getSaveIntervalS(t.db)).toBe(30);
});
