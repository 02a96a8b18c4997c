import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { sqlNow } from "../store/time.ts";

/**
 * Flag and argument parsers shared by the commands. Each checks the raw text with a
 * valibot schema and turns a bad value into one UsageError line (exit 2).
 */

const msPerDay = 86_400_000;

const IntegerText = v.pipe(v.string(), v.trim(), v.regex(/^\d+$/), v.transform(Number), v.safeInteger());

function parseWith<S extends v.GenericSchema<unknown, unknown>>(schema: S, value: unknown, problem: string): v.InferOutput<S> {
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw new UsageError(problem);
  return parsed.output;
}

function describe(value: unknown): string {
  return typeof value === "string" ? (value === "" ? "an empty value" : `"${value}"`) : "no value";
}

/** An integer between min and max inclusive, e.g. `--limit 20` or `save-interval 60`. */
export function parseIntInRange(value: unknown, name: string, min: number, max: number): number {
  const schema = v.pipe(IntegerText, v.minValue(min), v.maxValue(max));
  return parseWith(schema, value, `${name} must be an integer from ${min} to ${max}, got ${describe(value)}`);
}

/** A positive integer (1 or more), e.g. `--limit`. */
export function parsePositiveInt(value: unknown, name: string): number {
  const schema = v.pipe(IntegerText, v.minValue(1));
  return parseWith(schema, value, `${name} must be a positive integer, got ${describe(value)}`);
}

/** One of a fixed set of words; the error lists the valid ones. */
export function parseChoice<const T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  const schema = v.picklist(choices);
  return parseWith(schema, value, `${name} must be one of ${choices.join(", ")}, got ${describe(value)}`);
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

/** citty ignores positionals a command does not declare; maos refuses them (a typo must not be ignored). */
export function refuseExtraPositionals(args: { _: string[] }, declared: number, command: string): void {
  const extra = args._.slice(declared);
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}" for \`${command}\``, `see \`${command} --help\``);
  }
}
