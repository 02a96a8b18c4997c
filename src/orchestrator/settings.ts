import type { Database } from "bun:sqlite";
import { getSetting, setSetting } from "../store/settings.ts";

/** The auto-save (heartbeat) interval new orchestrations use unless --save-interval says otherwise. */
export const saveInterval = { key: "save_interval_s", defaultS: 30, minS: 5, maxS: 3600 } as const;

export function isValidSaveInterval(seconds: number): boolean {
  return Number.isSafeInteger(seconds) && seconds >= saveInterval.minS && seconds <= saveInterval.maxS;
}

/** The stored default, or 30 s when none is stored (or the stored text is not a valid interval). */
export function getSaveIntervalS(db: Database): number {
  const text = getSetting(db, saveInterval.key);
  const value = text === null ? Number.NaN : Number(text);
  return isValidSaveInterval(value) ? value : saveInterval.defaultS;
}

/** Whether a default was stored (as opposed to the built-in 30 s). */
export function hasStoredSaveInterval(db: Database): boolean {
  return getSetting(db, saveInterval.key) !== null;
}

export function setSaveIntervalS(db: Database, seconds: number): void {
  if (!isValidSaveInterval(seconds)) {
    throw new RangeError(`save interval must be an integer from ${saveInterval.minS} to ${saveInterval.maxS} seconds`);
  }
  setSetting(db, saveInterval.key, String(seconds));
}
