/** Status vocabularies, shared by the store, the scheduler and the CLI. */
export const OrchestrationStatus = {
  running: "running",
  paused: "paused",
  completed: "completed",
  failed: "failed",
  cancelled: "cancelled",
} as const;
export type OrchestrationStatus = (typeof OrchestrationStatus)[keyof typeof OrchestrationStatus];
export const orchestrationStatuses = Object.values(OrchestrationStatus);
export const finalOrchestrationStatuses: readonly OrchestrationStatus[] = ["completed", "failed", "cancelled"];

export const TaskStatus = {
  pending: "pending",
  running: "running",
  completed: "completed",
  failed: "failed",
  blocked: "blocked",
  cancelled: "cancelled",
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const AgentStatus = {
  inactive: "inactive",
  active: "active",
  completed: "completed",
  failed: "failed",
  interrupted: "interrupted",
} as const;
export type AgentStatus = (typeof AgentStatus)[keyof typeof AgentStatus];

export const MessageType = {
  discovery: "discovery",
  broadcast: "broadcast",
  message: "message",
  request: "request",
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];
