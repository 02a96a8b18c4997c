/**
 * A minimal MCP server over stdio for the e2e tests: newline-delimited JSON-RPC 2.0 with one
 * tool, `write_file {path, content}`, which writes the file. The real claude CLI starts it
 * from an `mcpServers` entry, so a test can see whether an agent has MCP tools at all.
 *
 *   bun test/support/mcp-server.ts
 */
import { writeFileSync } from "node:fs";

interface Request {
  jsonrpc: "2.0";
  id?: number | string;
  method: string;
  params?: Record<string, unknown>;
}

const tool = {
  name: "write_file",
  description: "Write a text file",
  inputSchema: {
    type: "object",
    properties: { path: { type: "string" }, content: { type: "string" } },
    required: ["path", "content"],
  },
};

function reply(id: number | string, result: unknown): void {
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`);
}

function handle(request: Request): void {
  if (request.id === undefined) return; // a notification (notifications/initialized …)
  switch (request.method) {
    case "initialize":
      return reply(request.id, {
        protocolVersion: request.params?.protocolVersion ?? "2025-06-18",
        capabilities: { tools: {} },
        serverInfo: { name: "maos-test-mcp", version: "1.0.0" },
      });
    case "tools/list":
      return reply(request.id, { tools: [tool] });
    case "tools/call": {
      const args = (request.params?.arguments ?? {}) as { path?: string; content?: string };
      writeFileSync(String(args.path), String(args.content ?? ""));
      return reply(request.id, { content: [{ type: "text", text: `wrote ${args.path}` }] });
    }
    case "ping":
      return reply(request.id, {});
    default:
      process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id: request.id, error: { code: -32601, message: `no method ${request.method}` } })}\n`);
  }
}

let buffered = "";
for await (const chunk of Bun.stdin.stream()) {
  buffered += new TextDecoder().decode(chunk);
  let end: number;
  while ((end = buffered.indexOf("\n")) !== -1) {
    const line = buffered.slice(0, end).trim();
    buffered = buffered.slice(end + 1);
    if (line) handle(JSON.parse(line) as Request);
  }
}
