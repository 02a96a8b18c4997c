import { expect, test } from "bun:test";
import { dirname, join, resolve } from "node:path";
import { absolutePath, parentDirectory } from "../../src/system/absolute-path.ts";

const cases = [
  "maos.db",
  "./maos.db",
  "a/b/../c.db",
  "../x.db",
  "../../../../../../../../x.db",
  "/abs/maos.db",
  "/abs//double///maos.db",
  "/abs/./dot/maos.db",
  "/abs/dir/",
  "dir/sub/.",
  "/",
  ".",
  "..",
  "/..",
  "with space/ä.db",
  "...",
  "a/.../b",
  "/a/b/..",
];

test("absolutePath and parentDirectory give what node:path's resolve and dirname give", () => {
  for (const cwd of ["/work/project", "/", "/tmp/x y"]) {
    for (const p of cases) {
      const expected = resolve(cwd, p);
      expect({ p, cwd, got: absolutePath(p, cwd) }).toEqual({ p, cwd, got: expected });
      expect({ p, cwd, got: parentDirectory(absolutePath(p, cwd)) }).toEqual({ p, cwd, got: dirname(expected) });
      expect(join(parentDirectory(expected), "maos.log")).toBe(join(dirname(expected), "maos.log"));
    }
  }
  expect(absolutePath("maos.db")).toBe(resolve("maos.db"));
});
