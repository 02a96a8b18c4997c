/**
 * Colour only on a TTY, never with NO_COLOR (https://no-color.org) or FORCE_COLOR=0. The
 * default asks about fd 1 directly: touching process.stdout makes Bun set up its stream,
 * which costs a read command as much as everything else it does.
 */
export function colorEnabled(stream: { isTTY?: boolean } | 1 = 1): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR === "0") return false;
  return stream === 1 ? isTerminal(1) : Boolean(stream.isTTY);
}

/**
 * isatty(fd) through the runtime's tty binding, which is free; `node:tty` (the fallback)
 * costs Bun ~3 ms to load, a quarter of a read command's whole run.
 */
function isTerminal(fd: number): boolean {
  try {
    const binding = (process as unknown as { binding(name: string): { isTTY?: (fd: number) => boolean } }).binding("tty_wrap");
    if (typeof binding.isTTY === "function") return binding.isTTY(fd);
  } catch {
    // not provided by this runtime
  }
  return (require("node:tty") as typeof import("node:tty")).isatty(fd);
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Color = keyof typeof codes;

export function paint(text: string, color: Color, enabled = colorEnabled()): string {
  return enabled ? `\x1b[${codes[color]}m${text}\x1b[0m` : text;
}

const statusColors: Record<string, Color> = {
  running: "cyan",
  active: "cyan",
  paused: "yellow",
  "paused (interrupted)": "yellow",
  interrupted: "yellow",
  pending: "gray",
  inactive: "gray",
  completed: "green",
  failed: "red",
  blocked: "magenta",
  cancelled: "gray",
};

export function paintStatus(status: string, enabled = colorEnabled()): string {
  return paint(status, statusColors[status] ?? "bold", enabled);
}

/** Columns on a terminal: Bun.stringWidth skips ANSI escapes itself (a regex pass per cell cost a 20-row table ~1 ms). */
export function visibleLength(text: string): number {
  return Bun.stringWidth(text);
}
