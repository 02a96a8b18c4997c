import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { sqlNow } from "../store/time.ts";
import { describe } from "./parse-basic.ts";

export { parseChoice, parseIntInRange, parsePositiveInt, refuseExtraPositionals } from "./parse-basic.ts";

/**
 * Flag and argument parsers shared by the commands. The ones here check the raw text with
 * a valibot schema and turn a bad value into one UsageError line (exit 2); integers and
 * choices are in parse-basic.ts, which `orchestration list` loads without valibot.
 */

const msPerDay = 86_400_000;

function parseWith<S extends v.GenericSchema<unknown, unknown>>(schema: S, value: unknown, problem: string): v.InferOutput<S> {
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw new UsageError(problem);
  return parsed.output;
}

const DaysText = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^\d+(\.\d+)?$/),
  v.transform(Number),
  v.number(),
  v.finite(),
  v.maxValue(36_500),
);

/** `--older-than DAYS` (a non-negative number, fractions allowed): returns the SQLite-time cutoff. */
export function parseOlderThan(value: unknown, now = Date.now()): { days: number; cutoff: string } {
  const days = parseWith(DaysText, value, `--older-than must be a number of days (0 or more), got ${describe(value)}`);
  return { days, cutoff: sqlNow(new Date(now - days * msPerDay)) };
}

const NameText = v.pipe(
  v.string(),
  v.trim(),
  v.nonEmpty(),
  v.maxLength(100),
  // Printable only: no control, format or unassigned code points (they garble terminals and logs).
  v.regex(/^[^\p{C}]+$/u),
);

/** A checkpoint name: non-empty, at most 100 characters, printable. */
export function parseCheckpointName(value: unknown): string {
  const parsed = v.safeParse(NameText, value);
  if (parsed.success) return parsed.output;
  const text = typeof value === "string" ? value.trim() : undefined;
  const got =
    text === undefined ? "no value" : text === "" ? "an empty name" : text.length > 100 ? `${text.length} characters` : "unprintable characters";
  throw new UsageError(`--name must be 1 to 100 printable characters, got ${got}`);
}
