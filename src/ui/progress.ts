/** `Progress: ████████░░░░ 40% (2/5 tasks)` */
export function progressBar(done: number, total: number, width = 12): string {
  const ratio = total === 0 ? 0 : done / total;
  const filled = Math.round(ratio * width);
  return `Progress: ${"█".repeat(filled)}${"░".repeat(width - filled)} ${Math.round(ratio * 100)}% (${done}/${total} tasks)`;
}
