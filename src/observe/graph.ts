/** Dependency levels of a task graph: level 0 has no dependencies, level n depends on level n-1 at most. */
export function dependencyLevels(tasks: readonly { key: string; depends_on: readonly string[] }[]): Map<string, number> {
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const levels = new Map<string, number>();
  const visiting = new Set<string>();
  const level = (key: string): number => {
    const known = levels.get(key);
    if (known !== undefined) return known;
    // A cycle cannot be stored (plans are validated), but a reader must never loop on one.
    if (visiting.has(key)) return 0;
    visiting.add(key);
    const deps = byKey.get(key)?.depends_on.filter((d) => byKey.has(d)) ?? [];
    const value = deps.length === 0 ? 0 : Math.max(...deps.map(level)) + 1;
    visiting.delete(key);
    levels.set(key, value);
    return value;
  };
  for (const t of tasks) level(t.key);
  return levels;
}
