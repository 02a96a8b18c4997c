import { readdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { builtinRoles } from "./builtin-roles.ts";
import { permissionModes, type PermissionMode } from "./permission-modes.ts";
import { readRegularFile } from "../system/regular-file.ts";

/**
 * The agent catalog: built-in roles plus Claude Code subagent files from
 * `~/.claude/agents/*.md` (user) and `<cwd>/.claude/agents/*.md` (project).
 * Project definitions override user ones, which override built-ins (by name).
 */
export type AgentSource = "built-in" | "user" | "project";

export interface AgentDefinition {
  name: string;
  description: string;
  /** The role prompt (the body of a subagent file). */
  prompt: string;
  /** Claude Code tool rules (`Read`, `Bash(git log:*)`): what exists and is pre-approved; null = every tool. */
  tools: string[] | null;
  /** Rules the agent may never use (`Write`, `Bash(rm:*)`). */
  disallowedTools: string[];
  /** Model alias or id; null (`inherit` or absent) = the orchestration's --model, else the CLI default. */
  model: string | null;
  /** null = the orchestration's --permission-mode. */
  permissionMode: PermissionMode | null;
  /** null = the orchestration's --max-turns. */
  maxTurns: number | null;
  source: AgentSource;
  /** The file it was read from; null for built-ins. */
  file: string | null;
}

/** A subagent file that was skipped, and why. */
export interface CatalogProblem {
  file: string;
  reason: string;
}

export interface Catalog {
  agents: AgentDefinition[];
  problems: CatalogProblem[];
}

/** Agent names: what `agent_type` in a plan refers to. */
export const agentNamePattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const nonEmpty = (what: string) => v.pipe(v.string(`${what} must be a string`), v.trim(), v.nonEmpty(`${what} is empty`));

const ToolRules = (field: string) =>
  v.optional(v.nullable(v.union([v.string(), v.array(v.string())], `${field} must be a comma-separated string or a list of tool names`)));

/**
 * The frontmatter fields maos acts on. Claude Code's other fields (color, effort, memory,
 * hooks …) and unknown ones are dropped without a word, as Claude Code itself does.
 */
const FrontmatterSchema = v.object(
  {
    name: v.pipe(
      nonEmpty("name"),
      v.regex(agentNamePattern, (i) => `name ${JSON.stringify(i.input)} must be lowercase letters, digits, '-' or '_' (at most 64 characters)`),
    ),
    description: nonEmpty("description"),
    tools: ToolRules("tools"),
    disallowedTools: ToolRules("disallowedTools"),
    model: v.optional(v.nullable(v.string("model must be a string"))),
    permissionMode: v.optional(
      v.nullable(v.picklist(permissionModes, (i) => `permissionMode ${JSON.stringify(i.input)} must be one of ${permissionModes.join(", ")}`)),
    ),
    maxTurns: v.optional(
      v.nullable(
        v.pipe(
          v.number((i) => `maxTurns ${JSON.stringify(i.input)} must be a positive integer`),
          v.integer((i) => `maxTurns ${i.input} must be a positive integer`),
          v.minValue(1, (i) => `maxTurns ${i.input} must be a positive integer`),
        ),
      ),
    ),
  },
  (issue) => (issue.input === undefined ? "missing" : "frontmatter is not a mapping"),
);

function toolList(tools: string | string[] | null | undefined): string[] | null {
  if (tools === undefined || tools === null) return null;
  if (typeof tools === "string") {
    if (tools.trim() === "") return null;
    // Split on commas outside parentheses: "Read, Bash(git log:*)".
    return tools.split(/,(?![^(]*\))/).map((t) => t.trim()).filter(Boolean);
  }
  return tools.map((t) => t.trim()).filter(Boolean);
}

/** Splits `---\n<yaml>\n---\n<body>`; null when the file does not start with frontmatter. */
function splitFrontmatter(text: string): { yaml: string; body: string } | null {
  const match = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n?^---[ \t]*(?:\r?\n|$)/m.exec(text);
  if (!match || match.index !== 0) return null;
  return { yaml: match[1]!, body: text.slice(match[0].length) };
}

type Parsed = { ok: true; agent: AgentDefinition } | { ok: false; reason: string };

/** Parses one subagent file's text. Exported for tests. */
export function parseAgentFile(text: string, file: string, source: AgentSource): Parsed {
  const parts = splitFrontmatter(text);
  if (!parts) return { ok: false, reason: "no YAML frontmatter (the file must start with a '---' line and close it with another)" };
  let data: unknown;
  try {
    data = Bun.YAML.parse(parts.yaml);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `frontmatter is not valid YAML: ${message.replace(/^YAML Parse error:\s*/, "")}` };
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return { ok: false, reason: "frontmatter is not a mapping of fields (name, description, tools, model …)" };
  }
  const parsed = v.safeParse(FrontmatterSchema, data);
  if (!parsed.success) {
    const issue = parsed.issues[0]!;
    const key = issue.path?.[0]?.key;
    const reason = issue.message === "missing" ? `frontmatter field '${String(key)}' is missing` : issue.message;
    return { ok: false, reason };
  }
  const prompt = parts.body.trim();
  if (!prompt) return { ok: false, reason: "no prompt after the frontmatter" };
  const fm = parsed.output;
  const model = fm.model?.trim();
  return {
    ok: true,
    agent: {
      name: fm.name,
      description: fm.description,
      prompt,
      tools: toolList(fm.tools),
      disallowedTools: toolList(fm.disallowedTools) ?? [],
      model: !model || model === "inherit" ? null : model,
      permissionMode: fm.permissionMode ?? null,
      maxTurns: fm.maxTurns ?? null,
      source,
      file,
    },
  };
}

/** A role prompt is a few pages; a repository's agents directory is not trusted to keep it so. */
export const maxAgentFileBytes = 256 * 1024;

function readAgentDir(dir: string, source: AgentSource, problems: CatalogProblem[]): AgentDefinition[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".md")).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") problems.push({ file: dir, reason: `cannot read directory (${code ?? "error"})` });
    return [];
  }
  const found = new Map<string, AgentDefinition>();
  for (const name of names) {
    const file = join(dir, name);
    const read = readRegularFile(file, maxAgentFileBytes);
    if (!read.ok) {
      problems.push({ file, reason: `it ${read.reason}` });
      continue;
    }
    const parsed = parseAgentFile(read.text, file, source);
    if (!parsed.ok) {
      problems.push({ file, reason: parsed.reason });
      continue;
    }
    const earlier = found.get(parsed.agent.name);
    if (earlier) {
      problems.push({ file, reason: `agent '${parsed.agent.name}' is already defined in ${earlier.file}` });
      continue;
    }
    found.set(parsed.agent.name, parsed.agent);
  }
  return [...found.values()];
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** Loads the catalog. Malformed files are reported in `problems` and skipped, never fatal. */
export function loadCatalog(options: { cwd?: string; home?: string | null } = {}): Catalog {
  const cwd = options.cwd ?? process.cwd();
  const home = options.home === undefined ? (process.env.HOME ?? homedir()) : options.home;
  const problems: CatalogProblem[] = [];
  // Map order: built-ins first, then new user agents, then new project agents; an override keeps its place.
  const byName = new Map<string, AgentDefinition>();
  for (const role of builtinRoles) byName.set(role.name, { ...role, tools: [...role.tools], disallowedTools: [], model: null, permissionMode: null, maxTurns: null, source: "built-in", file: null });
  const userDir = home ? join(home, ".claude", "agents") : null;
  const projectDir = join(cwd, ".claude", "agents");
  if (userDir) for (const agent of readAgentDir(userDir, "user", problems)) byName.set(agent.name, agent);
  // When cwd is the home directory, its agents are the user's; don't read them twice.
  if (!userDir || !samePath(userDir, projectDir)) {
    for (const agent of readAgentDir(projectDir, "project", problems)) byName.set(agent.name, agent);
  }
  return { agents: [...byName.values()], problems };
}

export function findAgent(agents: readonly AgentDefinition[], name: string): AgentDefinition | undefined {
  return agents.find((a) => a.name === name);
}

export function agentNames(agents: readonly AgentDefinition[]): string[] {
  return agents.map((a) => a.name);
}

/** Bare tool names of `--allowedTools` rules (`Bash(git log:*)` → `Bash`), for `--tools`. */
export function baseToolNames(tools: readonly string[]): string[] {
  return [...new Set(tools.map((t) => t.replace(/\(.*\)$/, "").trim()))];
}
