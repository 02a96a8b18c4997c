/**
 * How slow this machine is right now, measured, so timeouts hold on a loaded 2-core box
 * without being needlessly long on an idle one.
 *
 *   setDefaultTimeout(scaled(45_000));
 *   await waitUntil(cond, "x", scaled(20_000));
 *
 * The factor is the median time of a tiny CPU loop divided by what that loop takes on the
 * idle development machine (another process competing for the cores stretches it), and at
 * least the run queue per core (a loaded machine slows child processes even when our own
 * loop happened to get a core). It is re-measured when older than 30 s, so a file loaded
 * late in the run sees the load of that moment. MAOS_TEST_SLOWDOWN=N fixes it (replays).
 */
import { availableParallelism, loadavg } from "node:os";

/** Median of the loop on the idle 2-core development machine. */
const referenceMs = 12;
const maxFactor = 8;
const remeasureAfterMs = 30_000;

let cached: { factor: number; at: number } | undefined;

function spin(): number {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 2_500_000; i++) x = (x * 31 + i) % 1_000_003;
  // Keeps the loop observable so it is not optimised away.
  if (x === -1) throw new Error("unreachable");
  return performance.now() - t0;
}

function measure(): number {
  const fixed = Number(process.env.MAOS_TEST_SLOWDOWN);
  if (Number.isFinite(fixed) && fixed > 0) return fixed;
  const runs = [spin(), spin(), spin(), spin(), spin()].sort((a, b) => a - b);
  const cpu = runs[2]! / referenceMs;
  const queue = loadavg()[0]! / availableParallelism();
  return Math.min(maxFactor, Math.max(1, cpu, queue));
}

/** The current slowness factor (≥ 1, ≤ 8). */
export function machineFactor(): number {
  const now = performance.now();
  if (!cached || now - cached.at > remeasureAfterMs) cached = { factor: measure(), at: now };
  return cached.factor;
}

/** `ms` stretched by the machine factor: the timeout to use for something that takes ≤ ms when idle. */
export function scaled(ms: number): number {
  return Math.round(ms * machineFactor());
}
