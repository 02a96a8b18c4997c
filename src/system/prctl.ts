/**
 * The two Linux prctl(2) options maos's agent supervisor relies on, called through
 * bun:ffi (this works inside the compiled binary too). Each answers false where it is
 * unavailable (not Linux, no glibc, FFI refused), and the caller degrades to polling.
 */
import { dlopen, FFIType } from "bun:ffi";

const PR_SET_PDEATHSIG = 1;
const PR_SET_CHILD_SUBREAPER = 36;

type Prctl = (option: number, arg2: number) => boolean;

let bound: Prctl | null | undefined;

function prctl(): Prctl | null {
  if (bound !== undefined) return bound;
  bound = null;
  if (process.platform !== "linux") return bound;
  try {
    // prctl is variadic; on the Linux ABIs Bun supports, integer varargs pass like fixed ones.
    const lib = dlopen("libc.so.6", {
      prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
    });
    bound = (option, arg2) => lib.symbols.prctl(option, arg2, 0, 0, 0) === 0;
  } catch {
    // musl or no FFI: the supervisor falls back to its parent poll
  }
  return bound;
}

/**
 * Orphaned descendants (e.g. the tools claude starts with setsid, once claude is gone)
 * are re-parented to this process instead of to init, so they stay findable under it.
 */
export function becomeChildSubreaper(): boolean {
  return prctl()?.(PR_SET_CHILD_SUBREAPER, 1) ?? false;
}

/** Asks the kernel to send `signal` to this process when the thread that spawned it dies. */
export function setParentDeathSignal(signal: number): boolean {
  return prctl()?.(PR_SET_PDEATHSIG, signal) ?? false;
}
