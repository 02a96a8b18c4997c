import type { Plan } from "../plan/plan.ts";

/**
 * The demo's plan and what each simulated agent says, step by step. Everything here is
 * scripted: no model is called. A step whose text is a mailbox protocol line (DISCOVERY,
 * MESSAGE @task) goes through maos's real message bus.
 */
export const demoRequest = "Add a /health endpoint to a small web service, with a status badge in the UI (simulated demo)";

export const demoPlan: Plan = {
  summary: "Design the endpoint, build the API and the UI in parallel, then review",
  tasks: [
    { id: "design", agent_type: "architect", description: "Design the /health endpoint and its response shape", depends_on: [] },
    { id: "api", agent_type: "developer", description: "Implement GET /health in the server", depends_on: ["design"] },
    { id: "ui", agent_type: "developer", description: "Show a status badge that polls /health", depends_on: ["design"] },
    { id: "review", agent_type: "reviewer", description: "Review the API and the UI together", depends_on: ["api", "ui"] },
  ],
};

/** The tasks the demo crashes in the middle of: they run in parallel after @design. */
export const crashDuring = ["api", "ui"] as const;

export const demoSteps: Record<string, string[]> = {
  design: [
    "[simulated] Reading the project layout…",
    "DISCOVERY: the service is a plain Bun.serve app; routes live in server.ts",
    "[simulated] The endpoint: GET /health → 200 {\"status\":\"ok\",\"uptime_s\":<number>}",
    "Design done: GET /health returns {status, uptime_s}; the UI polls it every 10 s.",
  ],
  api: [
    "[simulated] Adding the route to server.ts…",
    "[simulated] Writing the handler: status ok, uptime from process start…",
    "MESSAGE @ui: GET /health is live and returns {\"status\":\"ok\",\"uptime_s\":12}",
    "[simulated] Adding a test for the endpoint…",
    "[simulated] Running the tests: 3 passed",
    "API done: GET /health implemented and tested.",
  ],
  ui: [
    "[simulated] Creating StatusBadge…",
    "[simulated] Polling /health every 10 s…",
    "[simulated] Green for ok, red after two failed polls…",
    "[simulated] Adding the badge to the header…",
    "[simulated] Checking it against the API's response shape…",
    "UI done: StatusBadge shows the service health.",
  ],
  review: [
    "[simulated] Reading the API change and the UI change…",
    "[simulated] Response shape matches on both sides.",
    "Review done: no issues; ready to merge.",
  ],
};

/** Time between two simulated output lines (long enough to watch, short enough to wait for). */
export const demoStepMs = 300;
