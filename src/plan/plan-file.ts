import { UsageError } from "../errors.ts";
import { readRegularFile } from "../system/regular-file.ts";
import { validatePlan, type Plan } from "./plan.ts";

/** 50 tasks with long descriptions fit many times over; /dev/zero does not. */
export const maxPlanFileBytes = 4 * 1024 * 1024;

const formatHint = "see \"Plan files\" in the README for the format";

/** Reads and validates `--plan FILE`. Every problem is a UsageError naming the file. */
export function loadPlanFile(path: string, catalogNames: readonly string[]): Plan {
  const read = readRegularFile(path, maxPlanFileBytes);
  if (!read.ok) throw new UsageError(`plan file ${path} ${read.reason}`);
  let text = read.text;
  if (text.trim() === "") throw new UsageError(`plan file ${path} is empty`, formatHint);
  text = text.replace(/^\uFEFF/, "");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const located = locateJsonError(text);
    const detail = located
      ? `at line ${located.line}, column ${located.column}: ${located.message}`
      : (error instanceof Error ? error.message : String(error)).replace(/^JSON Parse error:\s*/, "");
    throw new UsageError(`plan file ${path} is not valid JSON ${located ? "" : "("}${detail}${located ? "" : ")"}`);
  }
  return validatePlan(data, catalogNames, `plan file ${path}`);
}

/**
 * Bun's JSON.parse does not say where the text went wrong, so this small strict
 * scanner finds the first error's line, column (1-based, in characters) and cause.
 * Returns null when it finds nothing wrong (then Bun's own message is used).
 */
export function locateJsonError(text: string): { line: number; column: number; message: string } | null {
  let i = 0;
  class Stop {
    constructor(readonly at: number, readonly message: string) {}
  }
  const stop = (message: string, at = i): never => {
    throw new Stop(at, message);
  };
  const got = () => (i >= text.length ? "end of file" : JSON.stringify(text[i]));
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else stop(`unexpected ${got()}`);
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) stop("control character in a string (a line break must be written \\n)");
      if (text[i] === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) stop("invalid \\u escape");
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) stop(`invalid escape \\${e ?? ""}`);
        i += 2;
        continue;
      }
      i++;
    }
    if (i >= text.length) stop("unterminated string");
    i++;
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "-") stop(`unexpected ${got()}`);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    if (c === "'") stop("strings must use double quotes");
    stop(`expected a value, got ${got()}`);
  };
  const object = () => {
    i++;
    ws();
    if (text[i] === "}") return void i++;
    for (;;) {
      ws();
      if (text[i] === "}") stop("trailing comma before '}'");
      if (text[i] !== '"') stop(`expected a property name in double quotes, got ${got()}`);
      string();
      ws();
      if (text[i] !== ":") stop(`expected ':' after the property name, got ${got()}`);
      i++;
      value();
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") return void i++;
      stop(`expected ',' or '}', got ${got()}`);
    }
  };
  const array = () => {
    i++;
    ws();
    if (text[i] === "]") return void i++;
    for (;;) {
      ws();
      if (text[i] === "]") stop("trailing comma before ']'");
      value();
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") return void i++;
      stop(`expected ',' or ']', got ${got()}`);
    }
  };
  try {
    value();
    ws();
    if (i < text.length) stop(`unexpected ${got()} after the end of the JSON value`);
    return null;
  } catch (error) {
    if (!(error instanceof Stop)) return null; // e.g. nesting too deep for the stack
    const before = text.slice(0, error.at);
    const line = before.split("\n").length;
    const column = error.at - (before.lastIndexOf("\n") + 1) + 1;
    return { line, column, message: error.message };
  }
}
