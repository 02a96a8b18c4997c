import { afterEach, beforeEach, expect, test } from "bun:test";
import { maosBin } from "../support/binary.ts";
import { runMaos } from "../support/cli.ts";
import { buildOrchestration, createTestDb, type TestDb } from "../support/fixtures.ts";

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

async function bash(script: string, env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(["bash", "-c", script], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** Runs the bash completion function as bash would for `line` (cursor at the end) and prints COMPREPLY. */
function completeIn(line: string): string {
  // COMP_WORDS as bash splits them: at blanks and at '@' (a default COMP_WORDBREAKS character).
  return `source <("${maosBin}" completion bash)
COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}
read -ra COMP_WORDS <<< "$(printf '%s' "$COMP_LINE" | sed 's/@/ @ /g')"
[[ "$COMP_LINE" =~ [[:space:]]$ ]] && COMP_WORDS+=("")
[[ "$COMP_LINE" =~ @$ ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_maos_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
}

test("the bash script is valid, registers maos, and completes commands, ids and @task keys from the database", async () => {
  const o = buildOrchestration(t.db, { status: "paused", tasks: [{ key: "build" }, { key: "bundle", deps: ["build"] }, { key: "test" }] });
  const script = (await runMaos(["completion", "bash"])).stdout;
  const check = Bun.spawnSync(["bash", "-n"], { stdin: new Blob([script]) });
  expect(check.exitCode).toBe(0);

  const loaded = await bash(`source <("${maosBin}" completion bash) && complete -p maos`);
  expect(loaded.out.trim()).toBe("complete -o default -F _maos_complete maos");

  const env = { MAOS_DB: t.path };
  expect((await bash(completeIn("maos orchestration re"), env)).out).toBe("resume\nretry\n");
  expect((await bash(completeIn("maos orchestration retry "), env)).out).toBe(`${o.id.slice(0, 8)}\n`);
  // The '@' is a word of its own for bash: the candidates fill in what follows it.
  expect((await bash(completeIn(`maos orchestration retry ${o.id.slice(0, 6)} @b`), env)).out).toBe("build\nbundle\n");
  expect((await bash(completeIn(`maos orchestration skip ${o.id.slice(0, 8)} @`), env)).out).toBe("build\nbundle\ntest\n");
  expect((await bash(completeIn("maos orchestration retry x --fr"), env)).out).toBe("--fresh\n");
  expect((await bash(completeIn("maos orchestration list --status p"), env)).out).toBe("paused\n");
});

test("--db on the line is where ids come from; no database gives no candidates and no error", async () => {
  const o = buildOrchestration(t.db, { status: "failed", tasks: [{ key: "a" }] });
  const withDb = await runMaos(["completion", "--complete", "--", "orchestration", "open", "--db", t.path, ""], { env: { MAOS_DB: "/nonexistent/maos.db" } });
  expect(withDb.stdout).toBe(`${o.id.slice(0, 8)}\n`);
  const none = await runMaos(["completion", "--complete", "--", "orchestration", "status", ""], { env: { MAOS_DB: "/nonexistent/maos.db" } });
  expect(none).toEqual({ code: 0, stdout: "", stderr: "" });
});

test("zsh and fish scripts call maos back with the words typed; an unknown shell is refused (exit 2)", async () => {
  const zsh = (await runMaos(["completion", "zsh"])).stdout;
  expect(zsh).toStartWith("#compdef maos\n");
  expect(zsh).toContain("completion --complete --");
  const fish = (await runMaos(["completion", "fish"])).stdout;
  expect(fish).toContain("complete -c maos -f -a '(__maos_complete)'");
  const bad = await runMaos(["completion", "tcsh"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toBe('maos: shell must be one of bash, zsh, fish, got "tcsh"\n');
});
