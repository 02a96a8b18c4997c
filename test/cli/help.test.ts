import { describe, expect, test, setDefaultTimeout } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { runMaos } from "../support/cli.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

const commands = [
  [],
  ["orchestrate"],
  ["orchestration"],
  ["orchestration", "list"],
  ["orchestration", "status"],
  ["orchestration", "resume"],
  ["orchestration", "checkpoint"],
  ["orchestration", "save-interval"],
  ["orchestration", "cleanup"],
  ["recover"],
  ["recover", "cleanup"],
  ["status"],
  ["agents"],
  ["doctor"],
];

describe("--help and --version", () => {
  for (const command of commands) {
    test(`maos ${[...command, "--help"].join(" ")}`, async () => {
      const r = await runMaos([...command, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toContain("USAGE");
      expect(r.stdout).not.toContain("\x1b[");
    });
  }

  test("the read-side commands document their flags", async () => {
    const flags: Record<string, string[]> = {
      "orchestration list": ["--status", "--agents", "--limit", "--json", "--db"],
      "orchestration status": ["ID", "--messages", "--tasks", "--watch", "--json", "--db"],
      "orchestration checkpoint": ["ID", "--name", "--db"],
      "orchestration save-interval": ["SECONDS", "--db"],
      "orchestration cleanup": ["--older-than", "--dry-run", "--json", "--db"],
      "recover cleanup": ["--older-than", "--dry-run", "--json", "--db"],
    };
    for (const [command, names] of Object.entries(flags)) {
      const r = await runMaos([...command.split(" "), "--help"]);
      for (const name of names) expect(r.stdout).toContain(name);
    }
  });

  test("maos --version prints the package version", async () => {
    expect(await runMaos(["--version"])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    expect(await runMaos(["-v"])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });

  test("an unknown command is exit 2 with one line", async () => {
    const r = await runMaos(["orchestration", "frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('maos: unknown command "orchestration frobnicate" — see `maos orchestration --help`\n');
  });
});
