// argo-warden's page: the lint playground, runs and a run's live graph.
// Everything goes through the REST API (/api/v1) and the page's own endpoints (/ui/api) with the token the
// user pasted, sent as an Authorization header only: it is kept in sessionStorage and never put in a URL
// (which is why the event stream is read with fetch() and not EventSource, which cannot send headers).
"use strict";

const TOKEN_KEY = "argo-warden.token";
const LINT_DELAY_MS = 350;
const RELAYOUT_DELAY_MS = 200;
const RECONNECT_MS = 2000;
const PAGE_SIZE = 20;
const FINISHED = new Set(["Succeeded", "Failed", "Error"]);

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------- the token

const token = {
  get() { return sessionStorage.getItem(TOKEN_KEY) || ""; },
  set(value) { sessionStorage.setItem(TOKEN_KEY, value); },
  clear() { sessionStorage.removeItem(TOKEN_KEY); },
};

function showTokenState(text, bad) {
  const state = $("token-state");
  state.textContent = text;
  state.classList.toggle("bad", Boolean(bad));
}

class ApiFailure extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body, extra) {
  const headers = { Accept: "application/json", ...(extra || {}) };
  const current = token.get();
  if (current) headers.Authorization = "Bearer " + current;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store", credentials: "omit" });
  } catch (err) {
    throw new ApiFailure(0, "the server cannot be reached");
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (err) { data = null; }
  if (!response.ok) {
    const message = data && typeof data.message === "string" ? data.message : `HTTP ${response.status}`;
    if (response.status === 401) tokenRefused(message);
    throw new ApiFailure(response.status, message);
  }
  return data;
}

function tokenRefused(message) {
  token.clear();
  showTokenState("Token refused: " + message, true);
  $("token-input").focus();
}

async function useToken(value) {
  token.set(value);
  showTokenState("Checking…");
  try {
    const who = await api("GET", "/api/v1/userinfo");
    showTokenState("Signed in as " + (who && who.subject ? who.subject : "unknown"));
    $("token-input").value = "";
    hideNotice();
    route();
  } catch (err) {
    if (err.status !== 401) showTokenState(err.message, true);
  }
}

// ---------------------------------------------------------------------------------------------- helpers

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "style") Object.assign(node.style, value); // CSSOM: the page's CSP refuses style attributes
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  return node;
}

function showNotice(text) { const n = $("notice"); n.textContent = text; n.hidden = false; }
function hideNotice() { $("notice").hidden = true; }

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function when(text) {
  if (!text) return "";
  const date = new Date(text);
  return isNaN(date) ? text : date.toLocaleString();
}

function duration(start, end) {
  if (!start) return "";
  const ms = (end ? new Date(end) : new Date()) - new Date(start);
  if (isNaN(ms) || ms < 0) return "";
  return ms < 60000 ? (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + " s" : Math.round(ms / 60000) + " min";
}

// ---------------------------------------------------------------------------------------------- graphs

let graphCount = 0;

// Draw a laid-out graph (from /ui/api/graph) into frame; nodes are buttons, in the server's top-to-bottom order.
function drawGraph(frame, layout, onSelect) {
  const id = "arrow-" + (++graphCount);
  const box = el("div", { class: "graph", style: { width: layout.width + "px", height: layout.height + "px" } });
  const edges = svg("svg", { width: layout.width, height: layout.height, "aria-hidden": "true" });
  const defs = svg("defs");
  const marker = svg("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
    orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }));
  defs.append(marker);
  edges.append(defs);
  for (const edge of layout.edges) {
    const points = edge.points.map((p) => p.join(",")).join(" ");
    edges.append(svg("polyline", { points, "marker-end": `url(#${id})` }));
    if (edge.label) {
      const mid = Math.floor((edge.points.length - 1) / 2);
      const [x1, y1] = edge.points[mid];
      const [x2, y2] = edge.points[mid + 1] || edge.points[mid];
      const label = svg("text", { x: (x1 + x2) / 2 + 6, y: (y1 + y2) / 2 + 4, class: "edge-label" });
      label.textContent = edge.label;
      edges.append(label);
    }
  }
  box.append(edges);
  const buttons = new Map();
  for (const node of layout.nodes) {
    const described = [node.label, node.kind, node.detail, node.note, node.phase].filter(Boolean).join(", ");
    const button = el("button", {
      type: "button", class: `node kind-${node.kind}`, "data-id": node.id, "data-phase": node.phase || null,
      style: { left: node.x + "px", top: node.y + "px", width: node.width + "px", height: node.height + "px" },
      "aria-label": described, title: [node.label, node.detail, node.note].filter(Boolean).join("\n"),
      "aria-pressed": onSelect ? "false" : null,
    }, el("span", { class: "name", text: node.label }), node.detail ? el("span", { class: "detail", text: node.detail }) : null,
      node.note ? el("span", { class: "note", text: node.note }) : null);
    if (onSelect) button.addEventListener("click", () => {
      for (const other of buttons.values()) other.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-pressed", "true");
      onSelect(node.id);
    });
    buttons.set(node.id, button);
    box.append(button);
  }
  frame.replaceChildren(box);
  if (layout.omitted) frame.append(el("p", { class: "summary", text: `${layout.omitted} more nodes are not drawn.` }));
  return buttons;
}

// ---------------------------------------------------------------------------------------------- playground

const playground = { started: false, lintSeq: 0, object: null, diagnostics: [] };

function startPlayground() {
  if (playground.started) return;
  playground.started = true;
  const source = $("source");
  source.addEventListener("input", () => { paint(); relint(); });
  source.addEventListener("scroll", syncScroll);
  $("file-input").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    source.value = await file.text();
    paint();
    lint();
  });
  $("namespace-input").addEventListener("change", () => lint());
  $("submit-run").addEventListener("click", submitRun);
  $("eval-form").addEventListener("submit", (event) => { event.preventDefault(); evaluate(); });
  paint();
}

const relint = debounce(() => lint(), LINT_DELAY_MS);

function syncScroll() {
  const source = $("source");
  $("backdrop").scrollTop = source.scrollTop;
  $("backdrop").scrollLeft = source.scrollLeft;
  $("gutter").scrollTop = source.scrollTop;
}

// The backdrop shows the text again with each diagnostic's span in a <mark>; the gutter numbers the lines.
function paint() {
  const text = $("source").value;
  const lines = text.split("\n");
  const marks = new Map();
  const worst = new Map();
  const rank = { error: 2, warning: 1, info: 0 };
  for (const d of playground.diagnostics) {
    if (!d.line || d.line > lines.length) continue;
    const line = lines[d.line - 1];
    let start = Math.max(0, Math.min((d.column || 1) - 1, line.length));
    let end = Math.min(line.length, start + Math.max(1, d.length || 1));
    if (start >= end) { start = 0; end = line.length; } // a span past the end of the line: the whole line
    if (!marks.has(d.line)) marks.set(d.line, []);
    marks.get(d.line).push([start, end, d.severity]);
    if (!worst.has(d.line) || rank[d.severity] > rank[worst.get(d.line)]) worst.set(d.line, d.severity);
  }
  const backdrop = $("backdrop");
  const gutter = $("gutter");
  backdrop.replaceChildren();
  gutter.replaceChildren();
  lines.forEach((line, i) => {
    const number = i + 1;
    const spans = (marks.get(number) || []).sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [start, end, severity] of spans) {
      if (start < at) continue; // overlapping spans: the first is marked
      backdrop.append(line.slice(at, start), el("mark", { class: severity, "data-line": number, text: line.slice(start, end) }));
      at = end;
    }
    backdrop.append(line.slice(at) + "\n");
    const severity = worst.get(number);
    gutter.append(el("span", { class: severity || null, "data-line": number, text: String(number) }), "\n");
  });
  syncScroll();
}

async function lint() {
  const text = $("source").value;
  const seq = ++playground.lintSeq;
  if (!token.get()) { $("lint-summary").textContent = "paste a token to lint"; return; }
  const namespace = $("namespace-input").value.trim() || undefined;
  try {
    const [report, graph] = await Promise.all([
      api("POST", "/ui/api/lint", { text, namespace }),
      api("POST", "/ui/api/graph", { text }),
    ]);
    if (seq !== playground.lintSeq) return; // a newer edit is on its way
    playground.diagnostics = report.diagnostics;
    showDiagnostics(report);
    paint();
    playground.object = graph.object || null;
    if (graph.error) {
      $("graph-state").textContent = graph.error;
      $("playground-graph").replaceChildren();
    } else {
      $("graph-state").textContent = `${graph.nodes.length} nodes`;
      const byId = new Map(graph.nodes.map((n) => [n.id, n]));
      drawGraph($("playground-graph"), graph, (id) => useNode(byId.get(id)));
    }
  } catch (err) {
    if (seq === playground.lintSeq) $("lint-summary").textContent = err.message;
  }
}

function showDiagnostics(report) {
  const s = report.summary;
  $("lint-summary").textContent = `${s.errors} error${s.errors === 1 ? "" : "s"}, ${s.warnings} warning${s.warnings === 1 ? "" : "s"}`;
  const list = $("diagnostics");
  list.replaceChildren();
  for (const d of report.diagnostics) {
    const where = d.line ? `line ${d.line}:${d.column || 1}` : (d.path || "");
    const button = el("button", { type: "button", class: d.severity, "data-line": d.line || null,
      onclick: () => goTo(d) },
      el("span", { class: "sev", text: d.severity }), el("span", { class: "where", text: `${d.code} ${where} ` }),
      el("span", { class: "message", text: d.message }),
      d.hint ? el("span", { class: "hint", text: "hint: " + d.hint }) : null);
    list.append(el("li", {}, button));
  }
}

// Put the caret on a diagnostic's span, so the keyboard goes from the list straight to the text.
function goTo(d) {
  if (!d.line) return;
  const source = $("source");
  const lines = source.value.split("\n");
  let offset = 0;
  for (let i = 0; i < d.line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  const start = offset + Math.max(0, (d.column || 1) - 1);
  source.focus();
  source.setSelectionRange(start, start + Math.max(1, d.length || 1));
  const lineHeight = 20;
  source.scrollTop = Math.max(0, (d.line - 4) * lineHeight);
  syncScroll();
}

// A node of the playground's graph: its successCondition goes to the condition box; else the caret goes to
// the definition of the template it calls.
function useNode(node) {
  if (!node) return;
  if (node.condition) {
    $("eval-condition").value = node.condition;
    $("eval-result").textContent = `condition of ${node.template}: evaluate it against a sample response`;
    $("eval-result").className = "";
    $("eval-condition").focus();
    return;
  }
  if (node.templateLine) goTo({ line: node.templateLine, column: node.templateColumn || 1, length: 1 });
}

async function submitRun() {
  const namespace = $("namespace-input").value.trim();
  if (!playground.object) { showNotice("Nothing to submit: the text has no workflow that could be read."); return; }
  if (playground.object.kind !== "Workflow") { showNotice("Only a Workflow can be submitted as a run."); return; }
  try {
    const created = await api("POST", `/api/v1/workflows/${encodeURIComponent(namespace)}`, { workflow: playground.object });
    hideNotice();
    location.hash = `#/runs/${encodeURIComponent(created.metadata.namespace)}/${encodeURIComponent(created.metadata.name)}`;
  } catch (err) {
    showNotice("Not submitted: " + err.message);
  }
}

function parseHeaders(text) {
  const headers = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf(":");
    if (at <= 0) throw new Error(`header line '${line.trim()}' is not Name: value`);
    const name = line.slice(0, at).trim();
    (headers[name] = headers[name] || []).push(line.slice(at + 1).trim());
  }
  return headers;
}

async function evaluate() {
  const out = $("eval-result");
  out.className = "";
  try {
    const response = { statusCode: Number($("eval-status").value), headers: parseHeaders($("eval-headers").value),
      body: $("eval-body").value };
    const result = await api("POST", "/ui/api/eval", { condition: $("eval-condition").value, response });
    if (result.error) {
      out.className = "bad";
      const at = result.error.start !== undefined ? ` (at ${result.error.start + 1})` : "";
      out.textContent = result.error.message + at + (result.error.hint ? "\nhint: " + result.error.hint : "");
    } else {
      out.className = result.result ? "true" : "false";
      out.textContent = String(result.result) + (result.changed ? `\nportable: ${result.portable}` : "");
    }
    if (result.argo) out.textContent += `\nArgo: the step ${result.argo.phase}` + (result.argo.message ? ` (${result.argo.message})` : "");
    if (result.as_written) out.textContent += `\nas written, Argo: ${result.as_written.phase}`;
    for (const issue of result.issues || []) out.textContent += `\n${issue.severity}[${issue.code}]: ${issue.message}`;
  } catch (err) {
    out.className = "bad";
    out.textContent = err.message;
  }
}

// ---------------------------------------------------------------------------------------------- runs

const runs = { pages: [""], index: 0 };

function startRuns() {
  const form = $("runs-filter");
  if (!form.dataset.ready) {
    form.dataset.ready = "1";
    form.addEventListener("submit", (event) => { event.preventDefault(); runs.pages = [""]; runs.index = 0; listRuns(); });
    $("runs-first").addEventListener("click", () => { runs.index = 0; listRuns(); });
    $("runs-next").addEventListener("click", () => { runs.index += 1; listRuns(); });
  }
  listRuns();
}

async function listRuns() {
  const namespace = $("runs-namespace").value.trim();
  const params = new URLSearchParams({ "listOptions.limit": String(PAGE_SIZE),
    fields: "metadata,items.metadata.name,items.metadata.namespace,items.status.phase,items.status.startedAt,items.status.finishedAt" });
  const phase = $("runs-phase").value;
  if (phase) params.set("listOptions.fieldSelector", "status.phase=" + phase);
  const labels = $("runs-labels").value.trim();
  if (labels) params.set("listOptions.labelSelector", labels);
  const cont = runs.pages[runs.index];
  if (cont) params.set("listOptions.continue", cont);
  const body = $("runs-body");
  try {
    const list = await api("GET", `/api/v1/workflows/${encodeURIComponent(namespace)}?${params}`);
    const items = list.items || [];
    body.replaceChildren(...items.map((wf) => {
      const ns = wf.metadata.namespace, name = wf.metadata.name, status = wf.status || {};
      return el("tr", {},
        el("td", {}, el("a", { href: `#/runs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`, text: name })),
        el("td", { text: ns }),
        el("td", {}, el("span", { class: "phase " + (status.phase || "Pending"), text: status.phase || "Pending" })),
        el("td", { text: when(status.startedAt) }), el("td", { text: when(status.finishedAt) }));
    }));
    const next = list.metadata && list.metadata.continue;
    runs.pages[runs.index + 1] = next || null;
    $("runs-next").disabled = !next;
    $("runs-first").disabled = runs.index === 0;
    $("runs-state").textContent = items.length ? `page ${runs.index + 1}, ${items.length} workflows` : "no workflows";
  } catch (err) {
    body.replaceChildren();
    $("runs-state").textContent = err.message;
  }
}

// ---------------------------------------------------------------------------------------------- one run

let current = null; // { namespace, name, workflow, buttons, selected, abort, layoutIds }

function openRun(namespace, name) {
  closeRun();
  current = { namespace, name, workflow: null, buttons: new Map(), selected: null, abort: new AbortController(),
    layoutIds: new Set(), layoutBusy: false, layoutAgain: false };
  $("run-title").textContent = name;
  $("run-phase").textContent = "";
  $("run-message").textContent = "";
  $("run-graph").replaceChildren();
  showDetails(null);
  const run = current;
  api("GET", `/api/v1/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`)
    .then((wf) => { if (run === current) { update(wf); follow(run); } })
    .catch((err) => { if (run === current) showNotice(`${name}: ${err.message}`); });
}

function closeRun() {
  if (current) current.abort.abort();
  current = null;
}

// Read the event stream (server-sent events) with fetch, so the token goes in a header; reconnect if it drops.
async function follow(run) {
  const path = `/api/v1/workflow-events/${encodeURIComponent(run.namespace)}?` +
    new URLSearchParams({ "listOptions.fieldSelector": "metadata.name=" + run.name });
  while (run === current) {
    try {
      const response = await fetch(path, { headers: { Accept: "text/event-stream", Authorization: "Bearer " + token.get() },
        signal: run.abort.signal, cache: "no-store", credentials: "omit" });
      if (response.status === 401) { tokenRefused("the event stream needs a valid token"); return; }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      $("run-live").textContent = "live";
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of message.split("\n")) {
            if (!line.startsWith("data:")) continue;
            const data = JSON.parse(line.slice(5));
            if (data.result && data.result.object && run === current) {
              if (data.result.type === "DELETED") { $("run-live").textContent = "deleted"; return; }
              update(data.result.object);
            } else if (data.error) {
              throw new Error(data.error.message);
            }
          }
        }
      }
    } catch (err) {
      if (run.abort.signal.aborted) return;
      $("run-live").textContent = "reconnecting: " + err.message;
    }
    if (run !== current) return;
    $("run-live").textContent = "reconnecting…";
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}

// Kubernetes calls resourceVersion opaque, but every store we talk to (ours, etcd) counts up: when both are
// numbers, an answer older than what the stream already showed is dropped (a stop's answer can arrive after
// the event that reported its result).
function older(wf, than) {
  const a = wf && wf.metadata && wf.metadata.resourceVersion;
  const b = than && than.metadata && than.metadata.resourceVersion;
  if (!/^\d+$/.test(a || "") || !/^\d+$/.test(b || "")) return false;
  return BigInt(a) < BigInt(b);
}

function update(wf) {
  const run = current;
  if (older(wf, run.workflow)) return;
  run.workflow = wf;
  const status = wf.status || {};
  const phase = status.phase || "Pending";
  const badge = $("run-phase");
  badge.textContent = phase;
  badge.className = "phase " + phase;
  $("run-message").textContent = status.message || "";
  const nodes = status.nodes || {};
  const suspended = (wf.spec && wf.spec.suspend === true) ||
    Object.values(nodes).some((n) => n.type === "Suspend" && n.phase === "Running");
  $("run-stop").disabled = FINISHED.has(phase);
  $("run-retry").disabled = !(phase === "Failed" || phase === "Error");
  $("run-resume").disabled = !suspended;
  const ids = Object.keys(nodes);
  const known = ids.length === run.layoutIds.size && ids.every((id) => run.layoutIds.has(id));
  if (!known || run.buttons.size === 0) relayout(run);
  paintPhases(run);
  if (run.selected) showDetails(run.selected);
}

function paintPhases(run) {
  const nodes = (run.workflow.status || {}).nodes || {};
  for (const [id, button] of run.buttons) {
    const node = nodes[id];
    if (!node) continue;
    const phase = node.phase || "Pending";
    if (button.dataset.phase !== phase) {
      button.dataset.phase = phase;
      button.setAttribute("aria-label", [node.displayName || id, node.type, phase].filter(Boolean).join(", "));
    }
  }
}

// Nodes appeared (or this is the first look): lay the graph out again; one request at a time, the last one wins.
const relayout = (run) => {
  if (run.layoutBusy) { run.layoutAgain = true; return; }
  run.layoutBusy = true;
  setTimeout(async () => {
    try {
      const layout = await api("POST", "/ui/api/graph", { workflow: run.workflow });
      if (run !== current) return;
      // Nodes still to run are drawn too ("planned:…" ids): only the ones that ran say whether to lay out again.
      run.layoutIds = new Set(layout.source === "status" ?
        layout.nodes.map((n) => n.id).filter((id) => !id.startsWith("planned:")) : []);
      const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.id : null;
      run.buttons = drawGraph($("run-graph"), layout, (id) => { run.selected = id; showDetails(id); });
      if (run.selected && run.buttons.has(run.selected)) run.buttons.get(run.selected).setAttribute("aria-pressed", "true");
      if (focused && run.buttons.has(focused)) run.buttons.get(focused).focus();
      paintPhases(run);
    } catch (err) {
      if (run === current) $("run-live").textContent = "graph: " + err.message;
    } finally {
      run.layoutBusy = false;
      if (run.layoutAgain && run === current) { run.layoutAgain = false; relayout(run); }
    }
  }, RELAYOUT_DELAY_MS);
};

function showDetails(id) {
  const panel = $("node-details");
  const title = el("h3", { id: "node-title", text: "Node" });
  if (!id || !current || !current.workflow) {
    panel.replaceChildren(title, el("p", { class: "summary", text: "Choose a node to see its inputs, result, message and timings." }));
    return;
  }
  const node = ((current.workflow.status || {}).nodes || {})[id];
  if (!node) {
    panel.replaceChildren(title, el("p", { class: "summary", text: "This node has not run yet." }));
    return;
  }
  title.textContent = node.displayName || node.name || id;
  const rows = [["Phase", node.phase], ["Type", node.type], ["Template", node.templateName],
    ["Started", when(node.startedAt)], ["Finished", when(node.finishedAt)],
    ["Duration", duration(node.startedAt, node.finishedAt)], ["Message", node.message]];
  const list = el("dl");
  for (const [key, value] of rows) if (value) list.append(el("dt", { text: key }), el("dd", { text: value }));
  const params = ((node.inputs || {}).parameters || []);
  for (const p of params) list.append(el("dt", { text: "input " + p.name }), el("dd", {}, el("pre", { text: String(p.value ?? "") })));
  const outputs = node.outputs || {};
  if (outputs.result !== undefined && outputs.result !== null) {
    list.append(el("dt", { text: "outputs.result" }), el("dd", {}, el("pre", { class: "result", text: String(outputs.result) })));
  }
  for (const p of outputs.parameters || []) list.append(el("dt", { text: "output " + p.name }), el("dd", {}, el("pre", { text: String(p.value ?? "") })));
  panel.replaceChildren(title, list);
}

async function action(verb, body) {
  const run = current;
  if (!run) return;
  try {
    const wf = await api("PUT", `/api/v1/workflows/${encodeURIComponent(run.namespace)}/${encodeURIComponent(run.name)}/${verb}`, body || {});
    hideNotice();
    if (run === current && wf && wf.metadata) update(wf);
  } catch (err) {
    showNotice(`${verb}: ${err.message}`);
  }
}

// ---------------------------------------------------------------------------------------------- routing

function route() {
  const hash = location.hash || "#/playground";
  const parts = hash.slice(2).split("/").map(decodeURIComponent);
  const page = parts[0] === "runs" && parts.length >= 3 ? "run" : parts[0] === "runs" ? "runs" : "playground";
  for (const name of ["playground", "runs", "run"]) $("page-" + name).hidden = name !== page;
  $("nav-playground").toggleAttribute("aria-current", page === "playground");
  if (page === "playground") $("nav-playground").setAttribute("aria-current", "page");
  $("nav-runs").toggleAttribute("aria-current", page !== "playground");
  if (page !== "playground") $("nav-runs").setAttribute("aria-current", "page");
  if (page !== "run") closeRun();
  if (!token.get()) {
    showTokenState("Paste the REST API token to start.");
    $("token-input").focus();
  }
  if (page === "playground") { startPlayground(); if (token.get()) lint(); }
  else if (page === "runs") { if (token.get()) startRuns(); }
  else if (token.get()) openRun(parts[1], parts[2]);
}

document.addEventListener("DOMContentLoaded", () => {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token-input").value.trim();
    if (value) useToken(value);
  });
  $("token-forget").addEventListener("click", () => { token.clear(); closeRun(); showTokenState("Token forgotten."); });
  $("run-stop").addEventListener("click", () => action("stop"));
  $("run-retry").addEventListener("click", () => action("retry"));
  $("run-resume").addEventListener("click", () => action("resume"));
  window.addEventListener("hashchange", route);
  if (token.get()) showTokenState("Token set for this tab.");
  route();
});
