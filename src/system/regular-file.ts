import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

export type FileRead = { ok: true; text: string } | { ok: false; reason: string };

function kind(stat: Stats): string {
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

function describeCode(code: string | undefined, fallback: string): string {
  if (code === "ENOENT") return "does not exist";
  if (code === "EISDIR") return "is a directory";
  if (code === "EACCES" || code === "EPERM") return "is not readable (permission denied)";
  if (code === "ELOOP") return "is a symlink loop";
  return `cannot be read (${code ?? fallback})`;
}

const human = (bytes: number) => (bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`);

/**
 * Reads a file a repository or a user handed us (an agent definition, a plan) as UTF-8, but
 * only a regular file of at most `maxBytes`: a committed symlink to /dev/zero would otherwise
 * fill memory and a FIFO would block forever. Opened non-blocking (a FIFO opens at once) and
 * checked on the open descriptor, so what is checked is what is read.
 */
export function readRegularFile(path: string, maxBytes: number): FileRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { ok: false, reason: describeCode(e.code, e.message) };
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { ok: false, reason: "is a directory" };
    if (!stat.isFile()) return { ok: false, reason: `is ${kind(stat)}, not a regular file` };
    if (stat.size > maxBytes) return { ok: false, reason: `is ${stat.size} bytes, more than the ${human(maxBytes)} limit` };
    // Read at most one byte past the limit: a file growing while we read is caught too.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) return { ok: false, reason: `is more than the ${human(maxBytes)} limit` };
    }
    return { ok: true, text: buffer.toString("utf8", 0, length) };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { ok: false, reason: describeCode(e.code, e.message) };
  } finally {
    closeSync(fd);
  }
}
