/**
 * Claude Code's permission modes, ordered from the strictest to the most permissive, so
 * two modes can be compared: `plan` changes nothing; `dontAsk` runs only what is
 * pre-approved (plus the CLI's own read-only checks); `default` asks, which headless means
 * refuse; `acceptEdits` also accepts file edits and file-system commands in the working
 * directory; `auto` lets a classifier approve actions; `bypassPermissions` runs everything.
 */
export const permissionModes = ["plan", "dontAsk", "default", "acceptEdits", "auto", "bypassPermissions"] as const;

export type PermissionMode = (typeof permissionModes)[number];

/** The stricter of two modes. */
export function stricterMode(a: PermissionMode, b: PermissionMode): PermissionMode {
  return permissionModes.indexOf(a) <= permissionModes.indexOf(b) ? a : b;
}

export function isPermissionMode(value: string): value is PermissionMode {
  return (permissionModes as readonly string[]).includes(value);
}
