/**
 * Named fault points: with MAOS_FAULT=<name> in its environment, maos kills itself with
 * SIGKILL at exactly that step, so crash tests can stop it at a chosen moment (nothing
 * is flushed or cleaned up, as in a real crash). Unset, a fault point costs one compare.
 */
export function faultPoint(name: string): void {
  if (process.env.MAOS_FAULT === name) process.kill(process.pid, "SIGKILL");
}
