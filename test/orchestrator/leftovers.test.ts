import { expect, setDefaultTimeout, test } from "bun:test";
import { stopLeftoverAgents } from "../../src/orchestrator/leftovers.ts";
import type { AttemptRow } from "../../src/store/attempts.ts";
import { commandLine, processAlive } from "../../src/system/processes.ts";
import { OutputReader } from "../support/cli.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

function attempt(pid: number, sessionId: string): AttemptRow {
  const row: AttemptRow = {
    id: 1,
    orchestration_id: "o",
    task_id: "o:t",
    agent_id: "o:t",
    attempt: 1,
    session_id: sessionId,
    resumed: 0,
    pid,
    status: "running",
    reason: null,
    stderr_tail: null,
    cause: null,
    budget_share_usd: null,
    started_at: "2026-12-03 00:00:00.000",
    ended_at: null,
  };
  return row;
}

/**
 * A stand-in for an agent a crashed maos left: bash whose argv carries `--session-id <id>`,
 * running `script`, which prints "ready" once its traps are set.
 */
async function leftover(script: string, sessionId: string) {
  const p = Bun.spawn(["bash", "-c", script, "agent", "--session-id", sessionId], { stdout: "pipe", stderr: "ignore" });
  if (!(await new OutputReader(p.stdout).until((text) => text.includes("ready"))).includes("ready")) {
    throw new Error("the leftover exited before it was ready");
  }
  return p;
}

test("a leftover agent that ignores SIGINT is SIGKILLed once the grace period is over", async () => {
  const session = crypto.randomUUID();
  const p = await leftover('trap "" INT; echo ready; sleep 30; true', session);
  expect(await stopLeftoverAgents([attempt(p.pid, session)], 300)).toEqual([p.pid]);
  expect(await p.exited).not.toBe(0);
  expect(p.signalCode).toBe("SIGKILL");
});

test("a pid that stopped being the attempt's during the grace period (here: it exec'd something else) is not SIGKILLed", async () => {
  const session = crypto.randomUUID();
  // On SIGINT the "agent" becomes another program under the same pid, as a reused pid would be.
  const p = await leftover('sleep 30 & child=$!; trap "kill $child; exec sleep 30" INT; echo ready; wait', session);
  try {
    expect(await stopLeftoverAgents([attempt(p.pid, session)], scaled(1_000))).toEqual([p.pid]);
    expect(processAlive(p.pid)).toBe(true);
    expect(commandLine(p.pid)).toEqual(["sleep", "30"]);
  } finally {
    p.kill("SIGKILL");
  }
});
