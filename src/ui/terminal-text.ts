/**
 * Text that came from an agent, a plan, a request or a file is shown to people on a terminal,
 * where an escape sequence in it would act (clear the screen, retitle the window, fake a
 * prompt). Every such piece of text goes through here before it is printed: control
 * characters become visible symbols, so nothing in the text can drive the terminal. `--json`
 * output is not passed through here and keeps the exact text.
 */

// C0 controls except tab and newline, DEL, C1 controls, and the bidi overrides/isolates that
// can make a line read differently from what it holds.
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same set without /g (\r is in it): a quick test that lets the (common) clean text through uncopied. */
const needsWork = new RegExp(unsafe.source);

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␛ ␇ ␍ …
  if (code === 0x7f) return "\u2421"; // ␡
  return "\ufffd";
}

/** Multi-line text (a prompt, an error with lines): newlines and tabs stay, every other control is shown. */
export function safeText(text: string): string {
  if (!needsWork.test(text)) return text;
  return text.replace(/\r\n/g, "\n").replace(unsafe, visible);
}

/** One line: line breaks of any kind (\n, \r, U+2028/9) and tabs become spaces, controls are shown. */
export function safeLine(text: string): string {
  return safeText(text.replace(/[\r\n\t\u2028\u2029\u0085]/g, " "));
}

/**
 * What JSON.stringify leaves of text that needs work: a control character becomes an escape
 * (\n, \u001b …) and C1 controls and bidi marks stay as they are. A literal backslash before
 * one of those letters (C:\\new) matches too, which only costs the walk.
 */
const jsonNeedsWork = new RegExp(String.raw`\\[bfnrtu]|${unsafe.source}`);

/**
 * The data a command renders for people, with every string made safe (multi-line strings keep
 * their lines). Plain objects and arrays are copied; anything else is kept as it is. Data with
 * nothing to make safe (nearly always) comes back as it is after one native pass: walking it
 * value by value cost `orchestration list` half a millisecond of its start.
 */
export function terminalSafe<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      // A BigInt: walked below.
    }
    if (json !== undefined && !jsonNeedsWork.test(json)) return value;
  }
  return copySafe(value);
}

function copySafe<T>(value: T): T {
  if (typeof value === "string") return safeText(value) as T;
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(copySafe) as T;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  // A plain loop: commands render right after start-up, when this code runs interpreted.
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const safe = copySafe((value as Record<string, unknown>)[key]);
    // An own "__proto__" key (from parsed JSON) stays a key: assigning it would set the prototype.
    if (key === "__proto__") Object.defineProperty(copy, key, { value: safe, enumerable: true, writable: true, configurable: true });
    else copy[key] = safe;
  }
  return copy as T;
}
