import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * A short description of the project in the working directory for the planner:
 * manifest files, whether it is a git repository, the top-level entries and the head
 * of the README. Reads little (a directory listing, a few stats, 16 KB of README)
 * and returns at most MAX_BYTES.
 */
export const MAX_BYTES = 4096;
const README_LINES = 40;
const README_CHARS = 2000;
const MAX_ENTRIES = 60;
const LISTING_CHARS = 1200;

const manifests: ReadonlyArray<[string, string]> = [
  ["package.json", "JavaScript/TypeScript"],
  ["bun.lock", "Bun"],
  ["bun.lockb", "Bun"],
  ["deno.json", "Deno"],
  ["tsconfig.json", "TypeScript"],
  ["pyproject.toml", "Python"],
  ["setup.py", "Python"],
  ["requirements.txt", "Python"],
  ["Pipfile", "Python"],
  ["Cargo.toml", "Rust"],
  ["go.mod", "Go"],
  ["pom.xml", "Java/Maven"],
  ["build.gradle", "Java/Gradle"],
  ["build.gradle.kts", "Kotlin/Gradle"],
  ["Gemfile", "Ruby"],
  ["composer.json", "PHP"],
  ["mix.exs", "Elixir"],
  ["Package.swift", "Swift"],
  ["pubspec.yaml", "Dart/Flutter"],
  ["CMakeLists.txt", "C/C++ (CMake)"],
  ["Makefile", "make"],
  ["Dockerfile", "Docker"],
  ["docker-compose.yml", "Docker Compose"],
  ["compose.yaml", "Docker Compose"],
  ["CLAUDE.md", "Claude Code instructions"],
];

const readmeNames = ["README.md", "README", "README.markdown", "README.rst", "README.txt", "readme.md", "Readme.md"];

function readHead(path: string, bytes = 16 * 1024): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The root of the git repository containing dir (a `.git` directory or file up the tree), or null. */
export function gitRoot(dir: string): string | null {
  let current = resolve(dir);
  for (let depth = 0; depth < 64; depth++) {
    if (existsSync(join(current, ".git"))) return current;
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
  return null;
}

function entriesOf(cwd: string): string[] {
  let entries;
  try {
    entries = readdirSync(cwd, { withFileTypes: true });
  } catch {
    return [];
  }
  const names = entries
    .filter((e) => e.name !== ".git" && e.name !== ".DS_Store")
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
  return names.sort((a, b) => Number(!a.endsWith("/")) - Number(!b.endsWith("/")) || a.localeCompare(b));
}

function cutToBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  const marker = "\n[… cut]";
  let cut = Buffer.from(text).subarray(0, max - Buffer.byteLength(marker)).toString("utf8");
  cut = cut.replace(/\uFFFD$/, ""); // a multi-byte character split at the end
  return cut + marker;
}

export function describeProject(cwd: string): string {
  const dir = resolve(cwd);
  const lines: string[] = [`Working directory: ${dir}`];
  const git = gitRoot(dir);
  lines.push(`Git repository: ${git ? (git === dir ? "yes" : `yes (root ${git})`) : "no"}`);

  const found = manifests.filter(([name]) => existsSync(join(dir, name))).map(([name, kind]) => `${name} (${kind})`);
  lines.push(`Manifest files: ${found.length ? found.join(", ") : "none found"}`);

  const entries = entriesOf(dir);
  const shown: string[] = [];
  let width = 0;
  for (const entry of entries.slice(0, MAX_ENTRIES)) {
    if (width + entry.length > LISTING_CHARS) break;
    shown.push(entry);
    width += entry.length + 2;
  }
  const more = entries.length > shown.length ? `  … and ${entries.length - shown.length} more` : "";
  lines.push(`Top-level entries (${entries.length}): ${entries.length ? shown.join("  ") + more : "(empty directory)"}`);

  const readme = readmeNames.map((n) => join(dir, n)).find((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
  if (readme) {
    let head = "";
    try {
      const all = readHead(readme).split(/\r?\n/);
      head = all.slice(0, README_LINES).join("\n").trimEnd();
      if (head.length > README_CHARS) head = `${head.slice(0, README_CHARS)}…`;
      if (all.length > README_LINES) head += "\n[…]";
    } catch {
      head = "(unreadable)";
    }
    lines.push("", `${readme.slice(dir.length + 1)} (first ${README_LINES} lines):`, head);
  } else {
    lines.push("README: none");
  }
  return cutToBytes(lines.join("\n"), MAX_BYTES);
}
