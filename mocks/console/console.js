// usermock console: plain JavaScript, no dependencies. It calls only this server: the admin
// API (/__admin/...) and the mounted APIs, same origin.
"use strict";

const state = { apis: [], api: null, catalogue: null, journalKey: "", openEntries: new Set() };

// el builds an element: el("p", {class: "x", text: "hi"}, child, ...).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

const $ = (id) => document.getElementById(id);

async function admin(path, init) {
  const res = await fetch("/__admin" + path, init);
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = text; }
  if (!res.ok) throw new Error(`${init && init.method || "GET"} /__admin${path}: ${res.status} ${body && body.error || text}`);
  return body;
}

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { return text; }
}

function shellQuote(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }

function curl(req) {
  let c = "curl -sS -i -X " + req.method + " " + shellQuote(location.origin + req.url);
  for (const [k, v] of Object.entries(req.headers)) c += " -H " + shellQuote(k + ": " + v);
  if (req.body !== null && req.body !== undefined && req.body !== "") c += " --data-raw " + shellQuote(req.body);
  return c;
}

// ---- APIs -------------------------------------------------------------------------------

async function loadAPIs() {
  const data = await admin("/apis");
  state.apis = data.apis;
  const sel = $("api"), jsel = $("journal-api");
  for (const a of state.apis) {
    sel.append(el("option", { value: a.id, text: a.id }));
    jsel.append(el("option", { value: a.id, text: a.id }));
  }
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (state.apis.some((a) => a.id === wanted)) sel.value = wanted;
  await selectAPI(sel.value);
}

function currentAPI() { return state.apis.find((a) => a.id === state.api); }

async function selectAPI(id) {
  state.api = id;
  if (location.hash.slice(1) !== id) history.replaceState(null, "", "#" + encodeURIComponent(id));
  const a = currentAPI();
  $("api-source").textContent = a && a.sourceDocument ? "document: " + a.sourceDocument : "";
  fillPreferPickers();
  $("result-body").replaceChildren(el("p", { text: "Choose a case and press Send." }));
  await Promise.all([loadCatalogue(), loadRecords(), showFaults()]);
}

// ---- cases ------------------------------------------------------------------------------

const kinds = [["positive", "Positive"], ["negative", "Negative"], ["stateful", "Stateful"]];
let caseSeq = 0;

async function loadCatalogue() {
  const box = $("operations");
  box.replaceChildren(el("p", { text: "Loading cases…" }));
  const id = state.api;
  const cat = await admin("/apis/" + encodeURIComponent(id) + "/cases");
  if (state.api !== id) return; // another API was chosen meanwhile
  state.catalogue = cat;
  box.replaceChildren();
  for (const op of cat.operations) box.append(renderOperation(op));
  renderCredentials(cat.credentials || []);
  applySearch();
}

function renderOperation(op) {
  const hid = "op-" + (++caseSeq);
  const sec = el("section", { class: "operation", "aria-labelledby": hid },
    el("h3", { id: hid, text: `${op.operationId}: ${op.method} ${op.path}` }));
  if (op.source) sec.append(el("p", { class: "muted", text: "The document: “" + op.source + "”" }));
  if (op.examples.length) {
    const ul = el("ul", { "aria-label": "Documented request examples of " + op.operationId });
    for (const ex of op.examples) {
      ul.append(el("li", {},
        el("code", { text: ex.name }), " ", ex.summary || "", ex.source ? " (“" + ex.source + "”) " : " ",
        el("button", { type: "button", "aria-label": "Edit example " + ex.name + " of " + op.operationId,
          on: { click: () => loadEditor({ method: op.method, path: op.path, headers: {}, body: JSON.stringify(ex.value, null, 2) }, op) } }, "Edit")));
    }
    sec.append(el("h4", { text: "Documented request examples" }), ul);
  }
  for (const [kind, title] of kinds) {
    const cases = op.cases.filter((c) => c.kind === kind);
    if (!cases.length) continue;
    const gid = "grp-" + (++caseSeq);
    const group = el("details", { class: "group", open: kind !== "positive" || undefined, "data-kind": kind },
      el("summary", { id: gid, text: `${title} cases of ${op.operationId} (${cases.length})` }));
    const list = el("div", { role: "group", "aria-labelledby": gid });
    for (const c of cases) list.append(renderCase(op, c));
    group.append(list);
    sec.append(group);
  }
  return sec;
}

function renderCase(op, c) {
  const lid = "case-" + (++caseSeq);
  const art = el("article", { class: "case", "aria-labelledby": lid,
    "data-search": [c.id, c.kind, c.description, c.constraint, c.source].join(" ").toLowerCase() },
    el("h5", { class: "case-id", id: lid, text: c.id }),
    el("p", { text: c.description + (c.expect && c.expect.length ? ` — expects ${c.expect.join(" or ")}` : "") }));
  if (c.source) art.append(el("p", { class: "muted", text: `${c.constraint}: “${c.source}”` }));
  if (c.harnessError) art.append(el("p", { class: "muted", text: "The harness skips this case: " + c.harnessError }));
  art.append(el("p", {},
    el("button", { type: "button", on: { click: () => sendCase(op, c) } }, "Send"), " ",
    el("button", { type: "button", "aria-label": "Edit " + c.id, on: { click: () => loadEditor(stepRequest(c.steps[c.steps.length - 1]), op) } }, "Edit")));
  return art;
}

function applySearch() {
  const q = $("search").value.trim().toLowerCase();
  let shown = 0, total = 0;
  for (const art of document.querySelectorAll("article.case")) {
    const hit = !q || q.split(/\s+/).every((w) => art.dataset.search.includes(w));
    art.hidden = !hit;
    total++;
    if (hit) shown++;
  }
  for (const d of document.querySelectorAll("details.group")) {
    const any = d.querySelector("article.case:not([hidden])");
    d.hidden = !any;
    if (q && any) d.open = true;
  }
  $("case-count").textContent = q ? `${shown} of ${total} cases match` : `${total} cases`;
}

function stepRequest(step) {
  const headers = {};
  for (const [k, vs] of Object.entries(step.headers || {})) headers[k] = vs.join(", ");
  return { method: step.method, path: step.path, headers, body: step.body };
}

// sendCase fetches the case again with a fresh seed, so unique values are new and a stateful
// case can be sent twice, then sends its steps in order and shows every exchange.
async function sendCase(op, c) {
  const out = $("result-body");
  out.replaceChildren(el("p", { text: "Sending " + c.id + "…" }));
  try {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const fresh = await admin(`/apis/${encodeURIComponent(state.api)}/cases?case=${encodeURIComponent(c.id)}&seed=${seed}`);
    const fc = fresh.operations.flatMap((o) => o.cases).find((x) => x.id === c.id) || c;
    const results = [];
    for (const [i, step] of fc.steps.entries()) {
      const req = stepRequest(step);
      if (step.ref) req.path = fillRef(req.path, step.ref, results);
      results.push(await send(req));
      if (results[i].error) break;
    }
    showResults(fc, results);
    loadEditor(stepRequest(fc.steps[fc.steps.length - 1]), op);
  } catch (err) {
    out.replaceChildren(el("p", { role: "alert", text: String(err) }));
  }
  pollJournal();
}

function fillRef(path, ref, results) {
  const earlier = results[ref.step];
  let v = earlier && earlier.json;
  for (const tok of ref.pointer) v = v == null ? undefined : v[tok.replace(/~1/g, "/").replace(/~0/g, "~")];
  if (v === undefined || v === null) throw new Error(`step ${ref.step + 1} answered no record key at /${ref.pointer.join("/")}`);
  return path.replace("{" + ref.param + "}", encodeURIComponent(String(v)));
}

async function send(req) {
  const mount = state.catalogue ? state.catalogue.mount : "/" + state.api;
  const url = mount + req.path;
  const init = { method: req.method, headers: req.headers, cache: "no-store", redirect: "manual" };
  if (req.body !== null && req.body !== undefined && req.body !== "" && req.method !== "GET" && req.method !== "HEAD") init.body = req.body;
  const shown = { method: req.method, url, headers: req.headers, body: init.body === undefined ? null : init.body };
  try {
    const res = await fetch(url, init);
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
    const headers = [];
    res.headers.forEach((v, k) => headers.push([k, v]));
    return { request: shown, status: res.status, statusText: res.statusText, headers, text, json,
      decision: res.headers.get("X-Usermock-Decision") || "" };
  } catch (err) {
    return { request: shown, error: String(err) };
  }
}

function showResults(c, results) {
  const out = $("result-body");
  out.replaceChildren();
  if (c) {
    out.append(el("h3", { text: c.id }), el("p", { text: c.description }));
    const last = results[results.length - 1];
    if (last && !last.error && c.expect && c.expect.length) {
      const ok = c.expect.includes(last.status);
      out.append(el("p", { class: ok ? "verdict-good" : "verdict-bad",
        text: (ok ? "As the contract says: " : "Not what the contract says: ") + `${last.status}, expected ${c.expect.join(" or ")}` }));
    }
  }
  results.forEach((r, i) => out.append(renderExchange(r, i + 1, results.length)));
  $("result-h").focus(); // keyboard and screen-reader users land on what they just sent
  $("result").scrollIntoView({ block: "start" });
  if (c && c.kind !== "positive" && (c.constraint || c.source)) {
    const why = el("section", { "aria-label": "Why it is refused" },
      el("h3", { text: "Why it is refused" }),
      el("p", { text: "Constraint: " + (c.constraint || "(none named)") }));
    if (c.source) why.append(el("p", { text: "The vendor's document says:" }), el("blockquote", { class: "source", text: c.source }));
    out.append(why);
  }
}

function renderExchange(r, n, total) {
  const title = `Exchange ${n} of ${total}: ${r.request.method} ${r.request.url}` + (r.error ? " — no answer" : ` → ${r.status}`);
  const box = el("article", { class: "exchange", "aria-label": `Exchange ${n}` }, el("h4", { text: title }));
  const c = curl(r.request);
  const pre = el("pre", { "aria-label": `curl of exchange ${n}`, text: c });
  box.append(el("p", {}, "Request as curl ", el("button", { type: "button", "aria-label": `Copy curl of exchange ${n}`,
    on: { click: (e) => copy(c, e.target) } }, "Copy")), pre);
  if (r.error) { box.append(el("p", { role: "alert", text: r.error })); return box; }
  box.append(el("p", {}, el("strong", { text: "Status: " }), `${r.status} ${r.statusText}`));
  if (r.decision) box.append(el("p", {}, el("strong", { text: "Decision (X-Usermock-Decision): " }), r.decision));
  box.append(el("details", {}, el("summary", { text: `Response headers (${r.headers.length})` }),
    el("pre", { text: r.headers.map(([k, v]) => `${k}: ${v}`).join("\n") })));
  box.append(el("p", {}, el("strong", { text: "Body:" })), el("pre", { "aria-label": `Response body of exchange ${n}`, text: pretty(r.text) || "(empty)" }));
  return box;
}

async function copy(text, button) {
  try { await navigator.clipboard.writeText(text); button.textContent = "Copied"; }
  catch (_) { button.textContent = "Select the text to copy"; }
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
}

// ---- editor -----------------------------------------------------------------------------

function fillPreferPickers(op) {
  const a = currentAPI();
  const st = $("ed-status"), ex = $("ed-example");
  st.replaceChildren(el("option", { value: "", text: "(as the mock decides)" }));
  ex.replaceChildren(el("option", { value: "", text: "(the default)" }));
  if (!a) return;
  const ops = op ? a.operations.filter((o) => o.operationId === op.operationId) : a.operations;
  const statuses = new Set(), examples = new Set();
  for (const o of ops) {
    for (const s of o.statuses || []) statuses.add(s);
    for (const names of Object.values(o.examples || {})) for (const n of names) examples.add(n);
  }
  for (const s of [...statuses].sort()) st.append(el("option", { value: s, text: String(s) }));
  for (const n of [...examples].sort()) ex.append(el("option", { value: n, text: n }));
}

function loadEditor(req, op) {
  $("ed-method").value = req.method;
  $("ed-path").value = req.path;
  $("ed-headers").value = Object.entries(req.headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
  $("ed-body").value = req.body == null ? "" : pretty(req.body);
  if (op) fillPreferPickers(op);
}

function editorRequest() {
  const headers = {};
  for (const line of $("ed-headers").value.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  const prefer = [];
  if ($("ed-status").value) prefer.push("code=" + $("ed-status").value);
  if ($("ed-example").value) prefer.push("example=" + $("ed-example").value);
  if (prefer.length) headers["Prefer"] = prefer.join(", ");
  return { method: $("ed-method").value, path: $("ed-path").value, headers, body: $("ed-body").value };
}

async function sendEditor(e) {
  e.preventDefault();
  const r = await send(editorRequest());
  showResults(null, [r]);
  pollJournal();
}

function setEditorHeader(name, value) {
  const lines = $("ed-headers").value.split("\n").filter((l) => l.trim() && l.split(":")[0].trim().toLowerCase() !== name.toLowerCase());
  lines.push(`${name}: ${value}`);
  $("ed-headers").value = lines.join("\n");
}

// ---- credentials and records ------------------------------------------------------------

function renderCredentials(creds) {
  const ul = $("credentials");
  ul.replaceChildren();
  if (!creds.length) ul.append(el("li", { text: "No fixture credentials: with auth by presence, any value is accepted." }));
  for (const c of creds) {
    const value = typeof c.value === "string" ? c.value : JSON.stringify(c.value);
    const what = c.reject ? "refused: " + c.reject : "accepted";
    const li = el("li", {}, el("code", { text: value }), ` (${c.scheme}${c.header ? ", " + c.in + " " + c.header : ""}) — ${c.description || ""} — ${what} `);
    if (c.in === "header" && typeof c.value === "string") {
      li.append(el("button", { type: "button", "aria-label": "Use credential " + value,
        on: { click: () => setEditorHeader(c.header, c.prefix ? c.prefix + " " + c.value : c.value) } }, "Use"));
    } else if (c.value && typeof c.value === "object") {
      li.append(el("button", { type: "button", "aria-label": "Use credential " + value, on: { click: () => mergeBody(c.value) } }, "Use"));
    }
    ul.append(li);
  }
}

function mergeBody(fields) {
  let body = {};
  try { body = JSON.parse($("ed-body").value || "{}"); } catch (_) { /* replace what does not parse */ }
  $("ed-body").value = JSON.stringify(Object.assign(body, fields), null, 2);
}

async function loadRecords() {
  const ul = $("records");
  try {
    const id = state.api;
    const data = await admin(`/apis/${encodeURIComponent(id)}/records?limit=100`);
    if (state.api !== id) return;
    ul.replaceChildren();
    $("records-total").textContent = `${data.total} record(s) stored in ${state.api}`;
    data.records.forEach((r, i) => {
      const body = r.body || r.Body || {};
      const label = `Record ${i + 1}` + (r.key || r.Key ? " " + (r.key || r.Key) : "");
      ul.append(el("li", {},
        el("details", {}, el("summary", { text: `${label}: ${JSON.stringify(body).slice(0, 100)}` }),
          el("pre", { text: JSON.stringify(r, null, 2) })),
        el("button", { type: "button", "aria-label": "Use " + label.toLowerCase() + " as the request body",
          on: { click: () => { $("ed-body").value = JSON.stringify(body, null, 2); } } }, "Use body")));
    });
  } catch (err) {
    ul.replaceChildren(el("li", { role: "alert", text: String(err) }));
  }
}

async function reset(all) {
  const q = all ? "" : "?api=" + encodeURIComponent(state.api);
  try {
    const data = await admin("/reset" + q, { method: "POST" });
    $("reset-status").textContent = "Reset: " + data.reset.join(", ");
  } catch (err) {
    $("reset-status").textContent = String(err);
  }
  loadRecords();
  pollJournal();
}

// ---- faults -----------------------------------------------------------------------------

async function faults(method) {
  const path = `/apis/${encodeURIComponent(state.api)}/faults`;
  try {
    if (method === "PUT") {
      const data = await admin(path, { method, headers: { "Content-Type": "application/json" }, body: $("faults-json").value });
      $("faults-json").value = JSON.stringify(data, null, 2);
      $("faults-status").textContent = "Faults set";
    } else if (method === "DELETE") {
      await admin(path, { method });
      $("faults-json").value = "{}";
      $("faults-status").textContent = "Faults cleared";
    } else {
      $("faults-json").value = JSON.stringify(await admin(path), null, 2);
      $("faults-status").textContent = "";
    }
  } catch (err) {
    $("faults-status").textContent = String(err);
  }
}
const showFaults = () => faults("GET");

// ---- journal ----------------------------------------------------------------------------

async function pollJournal() {
  const api = $("journal-api").value, invalid = $("journal-invalid").checked;
  let data;
  try {
    data = await admin(`/requests?limit=100${api ? "&api=" + encodeURIComponent(api) : ""}${invalid ? "&invalid=true" : ""}`);
  } catch (err) {
    $("journal-count").textContent = String(err);
    return;
  }
  const key = api + invalid + JSON.stringify(data.requests);
  if (key === state.journalKey) return;
  state.journalKey = key;
  const list = $("journal-list");
  list.replaceChildren();
  for (const e of data.requests) list.append(renderEntry(e));
  $("journal-count").textContent = `${data.requests.length} request(s)`;
}

function renderEntry(e) {
  const id = e.time + " " + e.method + " " + e.path;
  const det = el("details", { open: state.openEntries.has(id) || undefined,
    on: { toggle: (ev) => ev.target.open ? state.openEntries.add(id) : state.openEntries.delete(id) } },
    el("summary", { text: `${e.time.replace("T", " ").replace(/\.\d+Z$/, "Z")} ${e.api} ${e.method} ${e.path} → ${e.status}${e.valid ? "" : " (invalid)"}` }));
  det.append(el("p", {}, el("strong", { text: "Decision: " }), e.decision || ""));
  if (e.problems && e.problems.length) {
    det.append(el("ul", { "aria-label": "Problems" }, ...e.problems.map((p) => el("li", { text: (p.field ? p.field + ": " : "") + p.reason }))));
  }
  det.append(el("pre", { text: JSON.stringify(e, null, 2) }));
  det.append(el("button", { type: "button", "aria-label": "Turn this request into a case in the editor", on: { click: () => entryToEditor(e) } }, "Open in the editor"));
  return el("li", {}, det);
}

// entryToEditor turns a journal entry into a request to replay or change: method, path and
// query, the headers sent (credentials come back redacted: pick a fixture credential) and
// the body, as far as the journal kept it.
function entryToEditor(e) {
  const a = state.apis.find((x) => x.id === e.api);
  let path = e.path;
  if (a && a.mount !== "/" && path.startsWith(a.mount)) path = path.slice(a.mount.length);
  if (e.query) path += "?" + e.query;
  const headers = {};
  const sent = (e.request && e.request.headers) || {};
  for (const [k, v] of Object.entries(sent)) {
    if (/^(content-length|host|connection|accept-encoding|user-agent)$/i.test(k)) continue;
    headers[k] = Array.isArray(v) ? v[0] : v;
  }
  let body = (e.request && e.request.body) || "";
  try { body = JSON.stringify(JSON.parse(body), null, 2); } catch (_) { /* not JSON: as sent */ }
  const req = { method: e.method, path, headers, body };
  if (e.api !== state.api) { $("api").value = e.api; selectAPI(e.api).then(() => loadEditor(req)); return; }
  loadEditor(req);
  $("ed-path").focus();
}

// ---- wiring -----------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("api").addEventListener("change", (e) => selectAPI(e.target.value));
  $("search").addEventListener("input", applySearch);
  $("editor-form").addEventListener("submit", sendEditor);
  $("reset-api").addEventListener("click", () => reset(false));
  $("reset-all").addEventListener("click", () => reset(true));
  $("records-refresh").addEventListener("click", loadRecords);
  $("faults-show").addEventListener("click", () => faults("GET"));
  $("faults-set").addEventListener("click", () => faults("PUT"));
  $("faults-clear").addEventListener("click", () => faults("DELETE"));
  $("journal-api").addEventListener("change", pollJournal);
  $("journal-invalid").addEventListener("change", pollJournal);
  $("journal-clear").addEventListener("click", async () => { await admin("/requests", { method: "DELETE" }); pollJournal(); });
  loadAPIs().catch((err) => $("operations").replaceChildren(el("p", { role: "alert", text: String(err) })));
  pollJournal();
  setInterval(pollJournal, 2000);
});
