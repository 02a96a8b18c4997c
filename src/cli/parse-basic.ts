import { UsageError } from "../errors.ts";

/**
 * The flag parsers read commands need (integers, choices, stray positionals), in plain code
 * rather than valibot: `maos orchestration list` runs them at every start, and loading
 * valibot's code alone costs it about a millisecond. parse.ts re-exports them with the
 * parsers that do use valibot.
 */

/** How a bad value is named in an error: `"abc"`, `an empty value` or `no value`. */
export function describe(value: unknown): string {
  return typeof value === "string" ? (value === "" ? "an empty value" : `"${value}"`) : "no value";
}

/** Decimal digits only (no sign, point, exponent or 0x), and exact as a double. */
function integerText(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** An integer between min and max inclusive, e.g. `--limit 20` or `save-interval 60`. */
export function parseIntInRange(value: unknown, name: string, min: number, max: number): number {
  const n = integerText(value);
  if (n === null || n < min || n > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  return n;
}

/** A positive integer (1 or more), e.g. `--limit`. */
export function parsePositiveInt(value: unknown, name: string): number {
  const n = integerText(value);
  if (n === null || n < 1) throw new UsageError(`${name} must be a positive integer, got ${describe(value)}`);
  return n;
}

/** One of a fixed set of words; the error lists the valid ones. */
export function parseChoice<const T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${name} must be one of ${choices.join(", ")}, got ${describe(value)}`);
}

/** citty ignores positionals a command does not declare; maos refuses them (a typo must not be ignored). */
export function refuseExtraPositionals(args: { _: string[] }, declared: number, command: string): void {
  const extra = args._.slice(declared);
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}" for \`${command}\``, `see \`${command} --help\``);
  }
}
