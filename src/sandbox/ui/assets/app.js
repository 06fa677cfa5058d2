// The dashboard: one namespace at a time, read through the control plane and kept live by the
// stream of changes. Nothing is polled: a change named by the stream is read again, and only
// that part.

import { Unauthorized, adminUrl, call, download, setToken, token, watch } from "./api.js";
import * as views from "./views.js";

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 100;
/// Purchases per user and payments per account shown: the newest, read through an index, so
/// that an open page costs the same however long the history grows.
const NEWEST = 50;
const OUTCOMES = ["ok", "declined", "invalid", "unauthorized", "forbidden", "not_found", "conflict", "fault", "dropped", "abandoned", "error"];

const page = {
  namespace: new URLSearchParams(location.hash.slice(1)).get("ns") || "default",
  namespaces: [],
  entries: [], // the journal, newest first
  lastId: 0,
  offset: 0,
  clock: null, // {now, frozen, readAt}
  dirty: new Set(),
  reading: false,
};

const vendorBase = () => `${location.origin}${page.namespace === "default" ? "" : `/ns/${encodeURIComponent(page.namespace)}`}`;
const ns = (path) => adminUrl(path, page.namespace);

function showError(id, error) {
  $(id).textContent = error ? String(error.message || error) : "";
}

async function readNamespaces() {
  const { namespaces } = await call("GET", "/__admin/namespaces");
  const names = namespaces.map((namespace) => namespace.name).filter((name) => name !== "default").sort();
  page.namespaces = ["default", ...names];
  if (!page.namespaces.includes(page.namespace)) page.namespaces.push(page.namespace);
  const select = $("namespace");
  select.replaceChildren(...page.namespaces.map((name) => views.h("option", { value: name, selected: name === page.namespace }, name)));
  select.disabled = false;
}

async function readState() {
  const state = await call("GET", ns(`/state?newest=${NEWEST}`));
  $("click2mail").replaceChildren(...views.click2mail(state, NEWEST));
  $("hostway").replaceChildren(...views.hostway(state, vendorBase(), NEWEST));
  const { snapshots } = await call("GET", ns("/snapshots"));
  $("snapshots").replaceChildren(...views.snapshots(snapshots, restoreSnapshot, deleteSnapshot));
}

async function readClock() {
  const clock = await call("GET", ns("/clock"));
  page.clock = { ...clock, readAt: Date.now() };
  drawClock();
}

function drawClock() {
  if (!page.clock) return;
  const { now, frozen, readAt } = page.clock;
  const shown = frozen ? new Date(now) : new Date(Date.parse(now) + (Date.now() - readAt));
  $("clock").textContent = `${frozen ? "frozen at" : "clock"} ${shown.toISOString().replace(/\.\d+Z$/, "Z")}`;
  $("clock").classList.toggle("frozen", frozen);
}

async function readFaults() {
  const { faults } = await call("GET", ns("/faults"));
  $("faults").replaceChildren(...views.faults(faults, removeFault));
}

async function readJournal(fromScratch) {
  if (fromScratch) {
    const { requests } = await call("GET", ns("/requests?view=summary&limit=100000"));
    page.entries = requests;
  } else {
    const { requests } = await call("GET", ns(`/requests?view=summary&after=${page.lastId}&limit=100000`));
    const { count } = await call("GET", ns("/requests/count"));
    page.entries = requests.concat(page.entries);
    // Emptied, or trimmed to its size: keep what the server keeps.
    if (count < page.entries.length) page.entries.length = count;
    if (count > page.entries.length) return readJournal(true);
  }
  page.lastId = page.entries.length ? page.entries[0].id : page.lastId;
  drawTraffic();
}

function filtered() {
  const vendor = $("filter-vendor").value;
  const status = $("filter-status").value;
  const path = $("filter-path").value.trim();
  const outcome = $("filter-outcome").value;
  return page.entries.filter(
    (entry) =>
      (!vendor || (vendor === "click2mail" ? entry.path.startsWith("/molpro") : entry.path.startsWith("/accounts"))) &&
      (!status || String(entry.status)[0] === status) &&
      (!path || entry.path.includes(path)) &&
      (!outcome || entry.outcome === outcome),
  );
}

function drawTraffic() {
  const shown = filtered();
  page.offset = Math.min(page.offset, Math.max(0, shown.length - 1 - ((shown.length - 1) % PAGE_SIZE)));
  const rows = shown.slice(page.offset, page.offset + PAGE_SIZE).map((entry) => views.trafficRow(entry, openDetail));
  $("traffic").replaceChildren(...rows);
  $("traffic-count").textContent = `${shown.length} of ${page.entries.length} requests`;
  $("page").textContent = shown.length ? `${page.offset + 1}–${page.offset + rows.length}` : "";
  $("newer").disabled = page.offset === 0;
  $("older").disabled = page.offset + PAGE_SIZE >= shown.length;
}

/// The table holds summaries; a row opens its entry in full, headers and bodies, read then.
async function openDetail(summary) {
  let entry;
  try {
    entry = await call("GET", ns(`/requests/${summary.id}`));
  } catch (error) {
    if (error instanceof Unauthorized) return askForToken();
    return showError("control-error", error);
  }
  $("detail-title").textContent = `${entry.method} ${entry.path} → ${entry.status === 0 ? "no reply" : entry.status}`;
  $("detail-body").replaceChildren(...views.detail(entry));
  $("detail-curl").textContent = views.curl(entry, location.origin);
  $("copied").textContent = "";
  $("detail").showModal();
}

/// Reads again what changed, one read at a time; changes that arrive meanwhile are read after,
/// at most one round of reads each ROUND_MS, so that a page watching a load test costs the
/// server little and still shows each change within a second.
const ROUND_MS = 500;

async function refresh(what) {
  for (const part of what) page.dirty.add(part);
  if (page.reading) return;
  page.reading = true;
  try {
    let roundStarted = 0;
    while (page.dirty.size) {
      const wait = roundStarted + ROUND_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      roundStarted = Date.now();
      const parts = new Set(page.dirty);
      page.dirty.clear();
      if (parts.has("namespaces")) await readNamespaces();
      if (parts.has("state")) await readState();
      if (parts.has("clock")) await readClock();
      if (parts.has("faults")) await readFaults();
      if (parts.has("all-journal")) await readJournal(true);
      else if (parts.has("journal")) await readJournal(false);
    }
    showError("control-error", null);
  } catch (error) {
    if (error instanceof Unauthorized) return askForToken();
    showError("control-error", error);
  } finally {
    page.reading = false;
  }
}

const EVERYTHING = ["namespaces", "state", "clock", "faults", "all-journal"];

function onChange(event) {
  const parts = new Set();
  if (event.resync) EVERYTHING.forEach((part) => parts.add(part));
  if (event.namespaces) parts.add("namespaces");
  for (const [name, changes] of Object.entries(event.changes || {})) {
    if (!page.namespaces.includes(name)) parts.add("namespaces");
    if (name !== page.namespace) continue;
    for (const change of changes) parts.add(change);
  }
  if (parts.size) refresh(parts);
}

function onLive(state) {
  $("live").textContent = state === "live" ? "live" : "reconnecting…";
  $("live").classList.toggle("down", state !== "live");
}

async function act(errorId, action) {
  try {
    await action();
    showError(errorId, null);
  } catch (error) {
    if (error instanceof Unauthorized) return askForToken();
    showError(errorId, error);
  }
}

const removeFault = (id) => act("fault-error", () => call("DELETE", ns(`/faults/${id}`)));
const restoreSnapshot = (name) => act("control-error", () => call("POST", ns(`/snapshots/${encodeURIComponent(name)}/restore`)));
const deleteSnapshot = (name) => act("control-error", () => call("DELETE", ns(`/snapshots/${encodeURIComponent(name)}`)));

function number(id) {
  const text = $(id).value.trim();
  return text === "" ? undefined : Number(text);
}

function wire() {
  $("namespace").addEventListener("change", (event) => {
    page.namespace = event.target.value;
    history.replaceState(null, "", page.namespace === "default" ? location.pathname : `#ns=${encodeURIComponent(page.namespace)}`);
    page.entries = [];
    page.lastId = 0;
    page.offset = 0;
    refresh(EVERYTHING);
  });
  $("clock-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const frozen = event.submitter && event.submitter.value === "freeze";
    const now = $("clock-at").value.trim() || new Date().toISOString();
    act("control-error", () => call("PUT", ns("/clock"), { now, frozen }));
  });
  $("clock-real").addEventListener("click", () => act("control-error", () => call("DELETE", ns("/clock"))));
  $("fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const match = {};
    if ($("fault-method").value) match.method = $("fault-method").value;
    if ($("fault-path").value.trim()) match.path = $("fault-path").value.trim();
    const action = {};
    if (number("fault-status") !== undefined) action.status = number("fault-status");
    if (number("fault-delay") !== undefined) action.delayMs = number("fault-delay");
    if ($("fault-drop").value) action.drop = $("fault-drop").value;
    const rule = { match, action };
    if (number("fault-times") !== undefined) rule.times = number("fault-times");
    act("fault-error", () => call("POST", ns("/faults"), rule));
  });
  $("snapshot-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("control-error", () => call("POST", ns(`/snapshots/${encodeURIComponent($("snapshot-name").value.trim())}`)));
  });
  $("reset").addEventListener("click", () => act("control-error", () => call("POST", ns("/reset"))));
  $("export").addEventListener("click", () => act("control-error", () => download("/__admin/export", "paymock-export.json")));
  for (const id of ["filter-vendor", "filter-status", "filter-outcome"]) {
    $(id).addEventListener("change", () => {
      page.offset = 0;
      drawTraffic();
    });
  }
  $("filter-path").addEventListener("input", () => {
    page.offset = 0;
    drawTraffic();
  });
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("newer").addEventListener("click", () => {
    page.offset = Math.max(0, page.offset - PAGE_SIZE);
    drawTraffic();
  });
  $("older").addEventListener("click", () => {
    page.offset += PAGE_SIZE;
    drawTraffic();
  });
  $("copy-curl").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("detail-curl").textContent);
      $("copied").textContent = "Copied.";
    } catch {
      $("copied").textContent = "Select the command above and copy it.";
    }
  });
  $("filter-outcome").append(...OUTCOMES.map((outcome) => views.h("option", { value: outcome }, outcome.replace("_", " "))));
  setInterval(drawClock, 1000);
}

function askForToken(message) {
  $("views").hidden = true;
  $("token-form").hidden = false;
  $("token-error").textContent = message || "";
  $("live").textContent = "locked";
  $("token").focus();
}

async function start() {
  $("token-form").hidden = true;
  try {
    await readNamespaces();
  } catch (error) {
    if (error instanceof Unauthorized) return askForToken(token() ? "That token is not the one this paymock was started with." : "");
    $("live").textContent = String(error.message || error);
    return;
  }
  $("views").hidden = false;
  watch(onChange, onLive).catch(() => askForToken("The admin token is needed again."));
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setToken($("token").value);
  $("token").value = "";
  start();
});

wire();
// With --admin-token and none kept for this tab, nothing is read until it is entered.
if (document.body.dataset.token === "required" && !token()) askForToken();
else start();
