/*
 * What node:path's resolve and dirname give for the database path, without loading node:path:
 * on top of node:fs it costs every start of `orchestration list` about 0.3 ms (measured with
 * compiled binaries side by side). POSIX paths only, as maos runs on Linux and macOS;
 * test/system/absolute-path.test.ts checks both against node:path.
 */

/** `path.resolve(p)`: absolute, with `.`, `..`, repeated and trailing slashes removed. */
export function absolutePath(p: string, cwd = process.cwd()): string {
  const parts: string[] = [];
  for (const part of `${p.startsWith("/") ? "" : cwd}/${p}`.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** `path.dirname(p)` of a path absolutePath gave. */
export function parentDirectory(absolute: string): string {
  const at = absolute.lastIndexOf("/");
  return at <= 0 ? "/" : absolute.slice(0, at);
}
