import { describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { isInterrupted } from "../../src/orchestrator/liveness.ts";
import { sqlNow } from "../../src/store/time.ts";
import { deadPid } from "../support/fixtures.ts";

const row = (over: Partial<Parameters<typeof isInterrupted>[0]>) => ({
  status: "running" as const,
  owner_pid: process.pid,
  owner_host: hostname(),
  heartbeat_at: sqlNow(),
  save_interval_s: 30,
  ...over,
});

describe("isInterrupted", () => {
  test("only a running orchestration can be interrupted", () => {
    expect(isInterrupted(row({ status: "paused", owner_pid: deadPid() }))).toBe(false);
  });

  test("a live owner on this machine is not interrupted; a reused pid (started after the last heartbeat) is not the owner", () => {
    expect(isInterrupted(row({}))).toBe(false);
    expect(isInterrupted(row({ heartbeat_at: sqlNow(new Date(Date.now() - 3600_000)) }))).toBe(true); // pid started after that heartbeat: reused
  });

  test("a dead owner, or none, is interrupted", () => {
    expect(isInterrupted(row({ owner_pid: deadPid() }))).toBe(true);
    expect(isInterrupted(row({ owner_pid: null }))).toBe(true);
  });

  test("an owner on another machine counts as gone once its heartbeat is older than twice the save interval", () => {
    expect(isInterrupted(row({ owner_host: "elsewhere", heartbeat_at: sqlNow(new Date(Date.now() - 50_000)) }))).toBe(false);
    expect(isInterrupted(row({ owner_host: "elsewhere", heartbeat_at: sqlNow(new Date(Date.now() - 61_000)) }))).toBe(true);
  });
});
