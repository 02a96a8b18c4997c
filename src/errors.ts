/**
 * The one error hierarchy of maos. Every failure a user can cause or meet is a
 * MaosError carrying its exit code; the CLI's single catch prints one line
 * (message, then hint) and exits with that code.
 */
export const ExitCode = {
  ok: 0,
  tasksFailed: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  environment: 5,
  /** A bug in maos, not in the input or the run (sysexits' EX_SOFTWARE); never "tasks failed". */
  internal: 70,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class MaosError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A flag, argument, plan file or id the user gave is invalid (exit 2). */
export class UsageError extends MaosError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

/** An orchestration, checkpoint or task that does not exist (exit 3). */
export class NotFoundError extends MaosError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.notFound, hint);
  }
}

/** Someone else (a live process) owns what we wanted (exit 4). */
export class ConflictError extends MaosError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.conflict, hint);
  }
}

/** claude missing, database unusable or newer than this binary (exit 5). */
export class EnvironmentError extends MaosError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.environment, hint, options);
  }
}

/** The run was interrupted by the user; state is saved (exit 130). */
export class InterruptedError extends MaosError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.interrupted, hint);
  }
}

/** The work ran but did not succeed (exit 1). */
export class RunFailedError extends MaosError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.tasksFailed, hint);
  }
}

/** The one line shown to the user for an error. */
export function describeError(error: unknown): { line: string; exitCode: number } {
  if (error instanceof MaosError) {
    const line = error.hint ? `${error.message} — ${error.hint}` : error.message;
    return { line, exitCode: error.exitCode };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === "SQLiteError") {
    const code = String((error as { code?: unknown }).code ?? "");
    if (code.startsWith("SQLITE_FULL") || /disk is full/.test(message)) {
      return {
        line: `the disk holding the database is full (${message}) — free some space, then continue with \`maos orchestration resume <id>\` (\`maos orchestration list\` shows it); everything committed so far is kept`,
        exitCode: ExitCode.environment,
      };
    }
    // Anything else SQLite refuses after the database was opened (read-only file, I/O error).
    return { line: `database error: ${message} — check the database file, its directory and free space`, exitCode: ExitCode.environment };
  }
  return { line: `internal error: ${message} — this is a bug in maos; run again with --verbose for the stack trace and report it`, exitCode: ExitCode.internal };
}
