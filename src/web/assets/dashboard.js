// The maos dashboard: plain browser JavaScript, no framework, no network beyond its own server.
// Agent text is untrusted: it only ever reaches the page through textContent (el() below),
// never through innerHTML.
"use strict";

const app = document.getElementById("app");
const crumbs = document.getElementById("crumbs");
const liveDot = document.getElementById("live");

/** Counters the browser tests read: events rendered and duplicates refused. */
const stats = { events: 0, duplicates: 0, reconnects: 0 };
window.__maos = { stats, positions: () => [...document.querySelectorAll(".ev[data-position]")].map((e) => Number(e.dataset.position)) };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const svgNs = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

// ---- formatting -------------------------------------------------------------------------
const cost = (usd) => (usd == null ? "-" : `$${usd.toFixed(usd > 0 && usd < 0.01 ? 4 : 2)}`);
const short = (id) => (id ? id.slice(0, 8) : "-");
const sqlMs = (t) => (t ? Date.parse(`${t.replace(" ", "T")}Z`) : NaN);
function dur(ms) {
  if (!Number.isFinite(ms)) return "-";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h${String(m % 60).padStart(2, "0")}m` : `${Math.floor(h / 24)}d`;
}
/** Control characters an agent printed (terminal escapes) shown as visible symbols, like `maos logs` does. */
const visible = (text) => String(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `^${String.fromCharCode(c.charCodeAt(0) + 64)}`);
const age = (t) => `${dur(Date.now() - sqlMs(t))} ago`;
const statusClass = (s) => `s-${String(s).split(" ")[0]}`;
function badge(status, stale) {
  const label = stale && status === "running" ? "running (stale)" : status;
  return el("span", { class: `badge ${stale ? "s-stale" : statusClass(status)}`, "data-status": status }, label);
}
function bar(done, total, over) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  const inner = el("span");
  inner.style.width = `${pct}%`;
  return el("span", { class: `bar${over ? " over" : ""}` }, inner);
}

async function api(path, init) {
  const res = await fetch(path, { credentials: "same-origin", ...init });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
  return body;
}
const post = (path, body) => api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });

// ---- live streams -----------------------------------------------------------------------
let streams = [];
function closeStreams() {
  for (const s of streams) s.close();
  streams = [];
  liveDot.classList.remove("on");
}
function openStream(url, handlers) {
  const source = new EventSource(url);
  source.onopen = () => liveDot.classList.add("on");
  source.onerror = () => {
    liveDot.classList.remove("on");
    stats.reconnects++;
  };
  for (const [name, fn] of Object.entries(handlers)) source.addEventListener(name, fn);
  streams.push(source);
  return source;
}

// ---- router -----------------------------------------------------------------------------
function setCrumbs(...parts) {
  crumbs.replaceChildren(...parts.flatMap((p, i) => (i ? [" / ", p] : [p])));
}
function route() {
  closeStreams();
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "run" && parts[1] && parts[2] === "agent" && parts[3]) return agentView(parts[1], parts[3]);
  if (parts[0] === "run" && parts[1]) return runView(parts[1]);
  return runsView();
}
window.addEventListener("hashchange", route);

// ---- runs list --------------------------------------------------------------------------
function runsView() {
  document.title = "maos · runs";
  setCrumbs(el("span", {}, "runs"));
  const body = el("tbody");
  const table = el(
    "table",
    { id: "runs" },
    el("thead", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "run"), el("th", {}, "request"), el("th", {}, "tasks"), el("th", { class: "num" }, "cost / budget"), el("th", { class: "num" }, "heartbeat"), el("th", { class: "num" }, "age"))),
    body,
  );
  app.replaceChildren(el("h1", {}, "Orchestrations"), el("div", { class: "panel" }, table));
  const render = (runs) => {
    if (runs.length === 0) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: 7, class: "empty" }, "No orchestrations in this database yet.")));
      return;
    }
    body.replaceChildren(
      ...runs.map((r) =>
        el(
          "tr",
          { "data-run": r.id },
          el("td", {}, badge(r.status, r.stale)),
          el("td", { class: "mono" }, el("a", { href: `#/run/${r.id}` }, short(r.id))),
          el("td", { class: "clip", title: r.request }, r.request),
          el("td", { class: "mono" }, bar(r.tasks_done, r.tasks_total), `${r.tasks_done}/${r.tasks_total}`),
          el("td", { class: "num mono" }, r.budget_usd == null ? cost(r.cost_usd) : [bar(r.cost_usd, r.budget_usd, r.cost_usd > r.budget_usd), `${cost(r.cost_usd)} / ${cost(r.budget_usd)}`]),
          el("td", { class: "num muted" }, r.stored_status === "running" && r.heartbeat_age_ms != null ? `${dur(r.heartbeat_age_ms)} ago` : "-"),
          el("td", { class: "num muted" }, age(r.created_at)),
        ),
      ),
    );
  };
  openStream("/api/runs/stream", { runs: (e) => render(JSON.parse(e.data)) });
}

// ---- transcript -------------------------------------------------------------------------
function itemNode(item, tools) {
  switch (item.kind) {
    case "text":
      return el("div", { class: "it-text" }, visible(item.text));
    case "thinking":
      return el("div", { class: "it-thinking" }, visible(item.text));
    case "tool_call": {
      const d = el("details", { class: "tool", "data-tool": item.id }, el("summary", {}, el("span", { class: "tool-name" }, item.name), " ", item.summary));
      d.append(el("div", { class: "tool-input" }, JSON.stringify(item.input, null, 2)));
      tools.set(item.id, d);
      return d;
    }
    case "tool_result": {
      const out = el("div", { class: `tool-out${item.is_error ? " err" : ""}` }, item.lines.join("\n"), item.more_lines ? `\n… ${item.more_lines} more lines` : "");
      const call = tools.get(item.tool_use_id);
      if (call) {
        call.append(out);
        return null;
      }
      return el("details", { class: "tool" }, el("summary", {}, el("span", { class: "tool-name" }, "result"), item.is_error ? " error" : " ok"), out);
    }
    case "received": {
      // A prompt is long: its first line, the rest behind a click.
      const lines = visible(item.text).split("\n");
      if (lines.length <= 3) return el("div", { class: "it-received" }, "⇠ ", lines.join("\n"));
      return el("details", { class: "tool it-received" }, el("summary", {}, `⇠ ${lines[0]}`, el("span", { class: "muted" }, ` (+${lines.length - 1} lines)`)), el("div", { class: "tool-input" }, lines.slice(1).join("\n")));
    }
    case "sent":
      return el("div", { class: "it-sent" }, `✉ → ${item.to ? `@${item.to}` : "all"} (${item.type}): `, item.text);
    case "turn": {
      const parts = [item.ok ? "✓ turn done" : `✗ turn failed (${item.subtype})`];
      if (item.num_turns != null) parts.push(`${item.num_turns} turns`);
      if (item.cost_usd != null) parts.push(cost(item.cost_usd));
      if (item.duration_ms != null) parts.push(`${(item.duration_ms / 1000).toFixed(1)} s`);
      if (item.input_tokens != null || item.output_tokens != null) parts.push(`${item.input_tokens ?? 0} in / ${item.output_tokens ?? 0} out tokens`);
      return el("div", { class: `it-turn ${item.ok ? "ok" : "bad"}` }, parts.join(" · "), item.result ? `: ${item.result}` : "");
    }
    case "init":
      return el("div", { class: "it-init" }, `⚙ session ${short(item.session_id)}${item.model ? ` · ${item.model}` : ""}`);
    case "retry":
      return el("div", { class: "it-retry" }, `↻ API retry ${item.attempt}${item.error ? `: ${item.error}` : ""}`);
    default:
      return el("div", { class: "it-other" }, item.text ?? "");
  }
}

function markNode(mark) {
  if (mark.kind === "resume") return el("div", { class: "mark resume" }, `══ orchestration resumed ${mark.at} by pid ${mark.pid} (was ${mark.previous_status})`);
  const parts = [`@${mark.agent}`, `attempt ${mark.attempt}`];
  if (mark.session_id) parts.push(`${mark.resumed ? "resumed session" : "session"} ${short(mark.session_id)}`);
  if (mark.previous) parts.push(`after attempt ${mark.previous.attempt} ${mark.previous.status}${mark.previous.reason ? `: ${mark.previous.reason}` : ""}`);
  return el("div", { class: "mark" }, `── ${parts.join(" · ")}`);
}

/** A live transcript fed by the run's SSE stream (of one agent, or all). */
function transcript(runId, agent, onState) {
  const box = el("div", { class: "transcript panel", id: "transcript" });
  const tools = new Map();
  let last = 0;
  let empty = el("div", { class: "empty" }, "No events yet.");
  box.append(empty);
  const append = (entries) => {
    const stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 30;
    for (const e of entries) {
      if (e.position <= last) {
        stats.duplicates++;
        continue;
      }
      last = e.position;
      for (const m of e.marks) box.append(markNode(m));
      const nodes = e.items.map((i) => itemNode(i, tools)).filter(Boolean);
      stats.events++;
      // Every event gets a row (also one with nothing to show) so positions can be checked.
      box.append(el("div", { class: `ev${nodes.length ? "" : " hidden-ev"}`, "data-position": e.position, "data-agent": e.agent }, el("span", { class: "pos" }, e.position), el("span", { class: "who" }, `@${e.agent}`), el("div", { class: "body" }, nodes)));
      if (!nodes.length) box.lastChild.hidden = true;
    }
    if (empty && entries.length) {
      empty.remove();
      empty = null;
    }
    if (stick) box.scrollTop = box.scrollHeight;
  };
  const url = `/api/runs/${runId}/stream${agent ? `?agent=${encodeURIComponent(agent)}` : ""}`;
  openStream(url, { events: (e) => append(JSON.parse(e.data)), state: () => onState && onState() });
  return box;
}

// ---- run page ---------------------------------------------------------------------------
function graph(tasks, runId) {
  const levels = Math.max(0, ...tasks.map((t) => t.level)) + 1;
  const cols = Array.from({ length: levels }, () => []);
  for (const t of tasks) cols[t.level].push(t);
  const w = 190, h = 40, gx = 56, gy = 14;
  const rows = Math.max(1, ...cols.map((c) => c.length));
  const width = levels * (w + gx) - gx + 20, height = rows * (h + gy) - gy + 20;
  const pos = new Map();
  cols.forEach((col, x) => col.forEach((t, y) => pos.set(t.key, { x: 10 + x * (w + gx), y: 10 + y * (h + gy) + ((rows - col.length) * (h + gy)) / 2 })));
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "task graph" });
  for (const t of tasks) {
    for (const d of t.depends_on) {
      const a = pos.get(d), b = pos.get(t.key);
      if (!a || !b) continue;
      const x1 = a.x + w, y1 = a.y + h / 2, x2 = b.x, y2 = b.y + h / 2;
      root.append(svg("path", { class: "edge", d: `M${x1},${y1} C${x1 + gx / 2},${y1} ${x2 - gx / 2},${y2} ${x2},${y2}` }));
    }
  }
  const colors = { completed: "var(--ok)", failed: "var(--fail)", running: "var(--run)", blocked: "var(--block)", pending: "var(--idle)", cancelled: "var(--idle)" };
  for (const t of tasks) {
    const p = pos.get(t.key);
    const link = svg("a", { href: `#/run/${runId}/agent/${encodeURIComponent(t.key)}`, "data-task": t.key, "data-status": t.status });
    link.append(svg("rect", { class: "node", x: p.x, y: p.y, width: w, height: h, rx: 6, stroke: colors[t.status] || "var(--idle)" }));
    link.append(svg("text", { x: p.x + 10, y: p.y + 17 }, `@${t.key}`.slice(0, 18)));
    link.append(svg("text", { class: "sub", x: p.x + 10, y: p.y + 31 }, `${t.status} · ${t.agent_type}${t.attempts > 1 ? ` · ×${t.attempts}` : ""}`));
    link.append(svg("title", {}, `${t.key}: ${t.status}`));
    root.append(link);
  }
  return el("div", { class: "graph panel" }, root);
}

function timeline(detail) {
  const start = sqlMs(detail.orchestration.created_at);
  let end = detail.orchestration.completed_at ? sqlMs(detail.orchestration.completed_at) : detail.now;
  for (const t of detail.tasks) for (const s of t.timeline) end = Math.max(end, s.to ?? detail.now);
  const span = Math.max(1, end - start);
  const box = el("div", { class: "timeline panel", id: "timeline" });
  for (const t of detail.tasks) {
    const track = el("div", { class: "tl-track" });
    for (const s of t.timeline) {
      const to = s.to ?? detail.now;
      const seg = el("div", { class: `tl-seg ${s.kind === "queued" ? "queued" : s.status}`, title: s.kind === "queued" ? `queued ${dur(s.to - s.from)}` : `attempt ${s.attempt}${s.resumed ? " (resumed)" : ""}: ${s.status} ${dur(to - s.from)}${s.reason ? ` — ${s.reason}` : ""}` });
      seg.style.left = `${((s.from - start) / span) * 100}%`;
      seg.style.width = `${((to - s.from) / span) * 100}%`;
      track.append(seg);
    }
    box.append(el("div", { class: "tl-row" }, el("span", { class: "mono clip" }, `@${t.key}`), track));
  }
  box.append(el("div", { class: "tl-axis" }, el("span", {}, "0s"), el("span", {}, dur(span / 2)), el("span", {}, dur(span))));
  return box;
}

function mailboxTable(messages) {
  if (!messages.length) return el("div", { class: "empty" }, "No messages.");
  const state = (m) => {
    if (m.undeliverable) return el("span", { class: "badge s-failed" }, "undeliverable");
    return m.deliveries.map((d) => el("span", { class: `badge ${d.status === "acknowledged" ? "s-completed" : d.status === "delivered" ? "s-running" : d.status === "undeliverable" ? "s-failed" : "s-pending"}`, title: d.via ? `via ${d.via}, attempt ${d.attempt}` : "waiting" }, `@${d.to} ${d.status}`));
  };
  return el(
    "table",
    { id: "mailbox" },
    el("thead", {}, el("tr", {}, el("th", {}, "time"), el("th", {}, "from"), el("th", {}, "to"), el("th", {}, "type"), el("th", {}, "delivery"), el("th", {}, "text"))),
    el("tbody", {}, ...messages.map((m) => el("tr", { "data-message": m.id }, el("td", { class: "muted mono" }, m.timestamp.slice(11, 19)), el("td", { class: "mono" }, m.from_task === "user" ? "user" : `@${m.from_task}`), el("td", { class: "mono" }, m.to_task ? `@${m.to_task}` : "all"), el("td", {}, m.message_type), el("td", {}, state(m)), el("td", { class: "wrap" }, m.message)))),
  );
}

function sendForm(runId, tasks, fixed) {
  const flash = el("span", { class: "flash" });
  const to = fixed ? null : el("select", { name: "to" }, ...tasks.map((t) => el("option", { value: t.key }, `@${t.key}`)));
  const text = el("input", { name: "text", placeholder: fixed ? `Message @${fixed}…` : "Message to an agent's mailbox…", autocomplete: "off" });
  const form = el("form", { class: "send", id: "send" }, to, text, el("button", { type: "submit" }, "Send"), flash);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!text.value.trim()) return;
    try {
      const r = await post(`/api/runs/${runId}/message`, { to: fixed || to.value, text: text.value, request_id: crypto.randomUUID() });
      flash.className = "flash";
      flash.textContent = `queued as message ${r.detail.message_id}`;
      text.value = "";
    } catch (e) {
      flash.className = "flash err";
      flash.textContent = e.message;
    }
  });
  return form;
}

function runHeader(d, extra) {
  const o = d.orchestration;
  const flash = el("span", { class: "flash", id: "action-flash" });
  const act = (kind) => async () => {
    try {
      const r = await post(`/api/runs/${o.id}/${kind}`);
      flash.className = "flash";
      flash.textContent = `${kind} sent${r.detail.pid ? ` (pid ${r.detail.pid})` : ""}`;
    } catch (e) {
      flash.className = "flash err";
      flash.textContent = e.message;
    }
  };
  const running = o.stored_status === "running" && !o.interrupted;
  const paused = o.stored_status === "paused" || o.interrupted;
  return el(
    "div",
    { class: "head" },
    el("div", { class: "grow" }, el("h1", { title: o.request }, o.request), el("div", { class: "muted" }, badge(o.status, o.stale), " ", el("span", { class: "mono" }, o.id), ` · started ${age(o.created_at)}`, o.owner_pid && running ? ` · owner pid ${o.owner_pid}` : "", extra || "")),
    el("div", {}, el("button", { class: "warn", id: "pause", disabled: !running, onclick: act("pause") }, "Pause"), " ", el("button", { class: "go", id: "resume", disabled: !paused, onclick: act("resume") }, "Resume"), flash),
  );
}

function cards(d) {
  const o = d.orchestration, t = d.totals;
  const elapsed = (o.completed_at ? sqlMs(o.completed_at) : d.now) - sqlMs(o.created_at);
  const card = (k, v, id) => el("div", { class: "card panel", id }, el("div", { class: "k" }, k), el("div", { class: "v" }, v));
  return el(
    "div",
    { class: "cards" },
    card("tasks", [bar(t.done, t.tasks), `${t.done}/${t.tasks}`], "card-tasks"),
    card("cost", o.budget_usd == null ? cost(t.cost_usd) : `${cost(t.cost_usd)} / ${cost(o.budget_usd)}`),
    card("tokens in / out", `${t.input_tokens.toLocaleString()} / ${t.output_tokens.toLocaleString()}`),
    card("turns", t.turns),
    card("elapsed", dur(elapsed)),
  );
}

async function runView(id) {
  setCrumbs(el("a", { href: "#/" }, "runs"), el("span", { class: "mono" }, short(id)));
  document.title = `maos · ${short(id)}`;
  const top = el("div");
  const body = el("div");
  const feed = transcript(id, null, () => refresh());
  app.replaceChildren(top, body, el("h2", {}, "Live transcript (all agents)"), feed);
  let pending = null;
  // Built once: a refresh must not throw away what someone is typing.
  let form = null;
  async function refresh() {
    if (pending) return;
    pending = Promise.all([api(`/api/runs/${id}`), api(`/api/runs/${id}/mailbox`)]);
    try {
      const [d, mail] = await pending;
      top.replaceChildren(runHeader(d), cards(d));
      body.replaceChildren(
        el("h2", {}, "Task graph"),
        graph(d.tasks, id),
        el("h2", {}, "Timeline"),
        timeline(d),
        el(
          "div",
          { class: "grid2" },
          el("div", {}, el("h2", {}, "Agents"), el("div", { class: "panel" }, agentsTable(d, id))),
          el("div", {}, el("h2", {}, "Mailbox"), el("div", { class: "panel" }, mailboxTable(mail), (form ??= sendForm(id, d.tasks)))),
        ),
        d.actions.length ? el("div", {}, el("h2", {}, "Actions"), el("div", { class: "panel" }, actionsTable(d.actions))) : "",
      );
    } catch (e) {
      top.replaceChildren(el("div", { class: "empty" }, e.message));
    } finally {
      pending = null;
    }
  }
  await refresh();
}

function agentsTable(d, runId) {
  return el(
    "table",
    { id: "agents" },
    el("thead", {}, el("tr", {}, el("th", {}, "task"), el("th", {}, "type"), el("th", {}, "status"), el("th", {}, "session"), el("th", { class: "num" }, "att."), el("th", { class: "num" }, "cost"), el("th", {}, "doing"))),
    el(
      "tbody",
      {},
      ...d.tasks.map((t) => {
        const a = d.agents.find((x) => x.key === t.key) || {};
        return el("tr", { "data-task": t.key }, el("td", { class: "mono" }, el("a", { href: `#/run/${runId}/agent/${encodeURIComponent(t.key)}` }, `@${t.key}`)), el("td", {}, t.agent_type), el("td", {}, badge(t.status)), el("td", { class: "mono muted" }, short(t.session_id)), el("td", { class: "num" }, t.attempts), el("td", { class: "num mono" }, cost(t.cost_usd)), el("td", { class: "clip muted", title: a.last_activity || "" }, a.last_activity || t.error || ""));
      }),
    ),
  );
}

function actionsTable(actions) {
  return el(
    "table",
    { id: "actions" },
    el("thead", {}, el("tr", {}, el("th", {}, "time"), el("th", {}, "action"), el("th", {}, "by"), el("th", {}, "outcome"))),
    el("tbody", {}, ...actions.map((a) => el("tr", {}, el("td", { class: "muted mono" }, a.created_at.slice(11, 19)), el("td", {}, a.kind, a.detail && a.detail.to ? ` → @${a.detail.to}` : ""), el("td", { class: "muted" }, a.actor), el("td", {}, a.outcome === "done" ? "done" : `refused: ${a.reason}`)))),
  );
}

// ---- agent view -------------------------------------------------------------------------
async function agentView(id, key) {
  setCrumbs(el("a", { href: "#/" }, "runs"), el("a", { href: `#/run/${id}`, class: "mono" }, short(id)), el("span", { class: "mono" }, `@${key}`));
  document.title = `maos · @${key}`;
  const top = el("div");
  const feed = transcript(id, key, () => refresh());
  app.replaceChildren(top, el("h2", {}, "Transcript"), feed);
  // Built once: a refresh must not throw away what someone is typing.
  let form = null;
  async function refresh() {
    try {
      const d = await api(`/api/runs/${id}`);
      const t = d.tasks.find((x) => x.key === key);
      if (!t) throw new Error(`no task @${key}`);
      const attempts = d.attempts.filter((a) => a.agent === key);
      const chain = el("div", { class: "chain", id: "attempts" }, ...attempts.flatMap((a, i) => [i ? el("span", { class: "arrow" }, a.resumed ? "→ resumed →" : "→ retry →") : "", el("span", { class: `badge ${statusClass(a.status)}`, title: a.reason || "" }, `attempt ${a.attempt} · ${short(a.session_id)} · ${a.status}`)]));
      top.replaceChildren(
        el("div", { class: "head" }, el("div", { class: "grow" }, el("h1", {}, `@${key}`, el("span", { class: "muted" }, ` · ${t.agent_type}`)), el("div", { class: "muted" }, badge(t.status), " session ", el("span", { class: "mono", id: "session" }, t.session_id || "-"), ` · ${t.num_turns} turns · ${cost(t.cost_usd)} · ${t.input_tokens} in / ${t.output_tokens} out tokens · ${dur(t.duration_ms)}`), chain)),
        (form ??= el("div", { class: "panel spaced" }, sendForm(id, d.tasks, key))),
      );
    } catch (e) {
      top.replaceChildren(el("div", { class: "empty" }, e.message));
    }
  }
  await refresh();
}

route();
