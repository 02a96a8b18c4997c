import * as v from "valibot";
import { EnvironmentError } from "../errors.ts";

/** Reads a JSON column back through its valibot schema; a bad value is a damaged database (exit 5). */
export function readJson<S extends v.GenericSchema>(schema: S, text: string | null, where: string): v.InferOutput<S> {
  let value: unknown;
  try {
    value = text === null ? null : JSON.parse(text);
  } catch {
    throw new EnvironmentError(`database value ${where} is not valid JSON`, "the database was edited or damaged");
  }
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) {
    throw new EnvironmentError(
      `database value ${where} has an unexpected shape: ${parsed.issues[0]?.message}`,
      "the database was edited or damaged",
    );
  }
  return parsed.output;
}
