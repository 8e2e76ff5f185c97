// The review page of `audiocache serve` (docs/review.md): plain JavaScript, no build step, no
// third-party code. It uses the same API a script would, with the admin token kept in this tab's
// session storage under "audiocache.token" and nowhere else.
"use strict";

const TOKEN_KEY = "audiocache.token";
const PAGE_SIZE = 50;
const $ = (id) => document.getElementById(id);

const state = { offset: 0, total: 0, entries: [], current: -1, request: null, searchTimer: 0, typedAt: 0 };

// --- API -------------------------------------------------------------------------------------

class Refused extends Error {}

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY) || "";
  const response = await fetch(path, {
    ...options,
    headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` },
  });
  if (response.status === 401) throw new Refused("the token was refused");
  if (response.status === 403) {
    const body = await response.json().catch(() => ({}));
    throw new Refused(body.error?.message || "the management API is off");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.error?.message || `${response.status} ${response.statusText}`);
  }
  return response.status === 204 ? null : response.json();
}

// --- Signing in ------------------------------------------------------------------------------

function showSignIn(message) {
  $("sign-in").hidden = false;
  $("views").hidden = true;
  $("entries-view").hidden = true;
  $("stats-view").hidden = true;
  const error = $("sign-in-error");
  error.hidden = !message;
  error.textContent = message || "";
  $("token").focus();
}

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  await start();
}

async function start() {
  if (!sessionStorage.getItem(TOKEN_KEY)) return showSignIn("");
  try {
    const stats = await api("/api/audio-cache/stats?top=0");
    fillChoices($("voice"), stats.voices.map((group) => group.name), "All voices");
    fillChoices($("language"), stats.languages.map((group) => group.name), "All languages");
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("token").value = "";
    return showSignIn(`Sign-in failed: ${error.message}.`);
  }
  $("token").value = "";
  $("sign-in").hidden = true;
  $("sign-in-error").hidden = true;
  $("views").hidden = false;
  showView("entries");
  await load();
}

function fillChoices(select, names, all) {
  const chosen = select.value;
  select.replaceChildren(new Option(all, ""), ...names.map((name) => new Option(name, name)));
  select.value = names.includes(chosen) ? chosen : "";
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn("");
}

// --- Views -----------------------------------------------------------------------------------

function showView(name) {
  $("entries-view").hidden = name !== "entries";
  $("stats-view").hidden = name !== "stats";
  $("show-entries").setAttribute("aria-pressed", String(name === "entries"));
  $("show-stats").setAttribute("aria-pressed", String(name === "stats"));
  if (name === "stats") loadStats();
}

// --- Entries ---------------------------------------------------------------------------------

async function load() {
  const query = new URLSearchParams({ offset: state.offset, limit: PAGE_SIZE });
  for (const [name, id] of [["q", "q"], ["voice", "voice"], ["language", "language"], ["state", "state"]]) {
    const value = $(id).value.trim();
    if (value) query.set(name, value);
  }
  state.request?.abort();
  const request = new AbortController();
  state.request = request;
  $("status").textContent = "Loading…";
  let page;
  try {
    page = await api(`/api/audio-cache/entries?${query}`, { signal: request.signal });
  } catch (error) {
    if (error.name === "AbortError") return;
    if (error instanceof Refused) return showSignIn(`Signed out: ${error.message}.`);
    $("status").textContent = `Could not list the entries: ${error.message}`;
    return;
  }
  state.total = page.total;
  state.entries = page.entries;
  render();
}

function render() {
  // For the benchmark (Benchmarks/run-review-benchmark.sh): when the list was drawn, and how long
  // after the last keystroke of a search.
  performance.mark("entries-rendered");
  if (state.typedAt) {
    performance.measure("search", { start: state.typedAt, detail: $("q").value.trim() });
    state.typedAt = 0;
  }
  const list = $("entries");
  list.replaceChildren(...state.entries.map(renderEntry));
  const first = state.total === 0 ? 0 : state.offset + 1;
  const last = state.offset + state.entries.length;
  $("status").textContent = `${state.total} ${state.total === 1 ? "entry" : "entries"}` +
    (state.total > 0 ? `, showing ${first}–${last}` : "");
  $("page-label").textContent = state.total > 0 ? `${first}–${last} of ${state.total}` : "";
  $("previous-page").disabled = state.offset === 0;
  $("next-page").disabled = last >= state.total;
  state.current = Math.min(state.current, state.entries.length - 1);
  markCurrent(false);
}

function renderEntry(entry, index) {
  const item = $("entry-template").content.firstElementChild.cloneNode(true);
  item.dataset.key = entry.key;
  item.dataset.index = index;
  item.setAttribute("aria-label", entry.text);
  item.querySelector(".text").textContent = entry.text;
  const duration = entry.duration_seconds == null ? "unknown length" : `${entry.duration_seconds.toFixed(1)} s`;
  item.querySelector(".meta").textContent = [
    `${entry.voice_id} · ${entry.language}`,
    entry.source === "recorded" ? "recorded" : `rendered by ${entry.provider}`,
    duration,
    formatBytes(entry.size),
    `created ${formatDate(entry.created_at)}`,
    `last played ${formatDate(entry.last_accessed)}`,
    `${entry.access_count} ${entry.access_count === 1 ? "play" : "plays"}`,
  ].join(" · ");
  const review = item.querySelector(".review");
  const badge = document.createElement("span");
  badge.className = `badge ${entry.verdict}`;
  badge.textContent = entry.verdict;
  review.append(badge);
  if (entry.note) review.append(` ${entry.note}`);
  for (const button of item.querySelectorAll("button[data-action]")) {
    button.setAttribute("aria-label", `${button.textContent}: ${entry.text}`);
  }
  item.addEventListener("click", (event) => act(event, index));
  item.querySelector("input[type=file]").addEventListener("change", (event) => upload(index, event.target));
  item.querySelector(".flag-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setVerdict(index, "flagged", event.target.note.value);
  });
  // focusin: also when a button inside the entry gets focus (Tab), so shortcuts act on that entry.
  item.addEventListener("focusin", () => { state.current = index; markCurrent(false); });
  return item;
}

function act(event, index) {
  const action = event.target.dataset?.action;
  state.current = index;
  markCurrent(false);
  if (action === "play") play(index);
  else if (action === "approved" || action === "unreviewed") setVerdict(index, action);
  else if (action === "flagged") askNote(index);
  else if (action === "cancel-flag") closeNote(index);
}

function itemAt(index) {
  return $("entries").children[index];
}

function markCurrent(focus) {
  for (const item of $("entries").children) item.classList.toggle("current", Number(item.dataset.index) === state.current);
  if (focus && state.current >= 0) itemAt(state.current).focus();
}

function move(step) {
  if (state.entries.length === 0) return;
  state.current = Math.max(0, Math.min(state.entries.length - 1, state.current + step));
  markCurrent(true);
}

function play(index) {
  const entry = state.entries[index];
  const player = $("player");
  const source = entry.audio_url;
  if (player.dataset.key === entry.key) {
    if (player.paused) player.play().catch(() => {}); else player.pause();
    return;
  }
  player.dataset.key = entry.key;
  player.src = source;
  $("now-playing").textContent = entry.text;
  player.play().catch(() => {});
}

function askNote(index) {
  const form = itemAt(index).querySelector(".flag-form");
  form.hidden = false;
  form.note.value = state.entries[index].note || "";
  form.note.focus();
}

function closeNote(index) {
  itemAt(index).querySelector(".flag-form").hidden = true;
  markCurrent(true);
}

// Sends a change of one entry and shows the entry the server answers with, in its row of the
// list shown now (another page or search may have replaced the list meanwhile).
async function change(index, path, options, failure) {
  const entry = state.entries[index];
  let changed;
  try {
    changed = await api(`/api/audio-cache/entries/${entry.key}/${path}`, options);
  } catch (error) {
    if (error instanceof Refused) return showSignIn(`Signed out: ${error.message}.`);
    $("status").textContent = `${failure}: ${error.message}`;
    return null;
  }
  const row = state.entries.findIndex((shown) => shown.key === entry.key);
  if (row >= 0) {
    state.entries[row] = changed;
    itemAt(row).replaceWith(renderEntry(changed, row));
    markCurrent(true);
  }
  return changed;
}

async function setVerdict(index, verdict, note) {
  const body = { verdict };
  if (note && note.trim()) body.note = note.trim();
  const changed = await change(index, "review", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  }, "Could not save the verdict");
  if (!changed) return;
  const done = verdict === "unreviewed" ? "Cleared" : verdict[0].toUpperCase() + verdict.slice(1);
  $("status").textContent = `${done}: ${changed.text}`;
}

async function upload(index, input) {
  const file = input.files[0];
  if (!file) return;
  const key = state.entries[index].key;
  const changed = await change(index, "recording", {
    method: "PUT",
    headers: { "Content-Type": file.type || "application/octet-stream" },
    body: file,
  }, "Could not replace the audio");
  // The same file can be chosen again (after a failure, say).
  input.value = "";
  if (!changed) return;
  if ($("player").dataset.key === key) delete $("player").dataset.key;
  $("status").textContent = `Replaced with ${file.name}: ${changed.text}`;
}

function page(step) {
  const offset = state.offset + step * PAGE_SIZE;
  if (offset < 0 || offset >= state.total) return;
  state.offset = offset;
  state.current = 0;
  load();
}

function filtersChanged(delay) {
  clearTimeout(state.searchTimer);
  state.searchTimer = setTimeout(() => { state.offset = 0; state.current = -1; load(); }, delay);
}

function shortcut(event) {
  if ($("entries-view").hidden || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, select, textarea")) {
    if (event.key !== "Escape") return;
    const form = event.target.closest(".flag-form");
    if (form) closeNote(Number(form.parentElement.dataset.index)); else event.target.blur();
    return;
  }
  // A focused button takes Space and Enter as a click.
  if (event.target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) return;
  const onEntry = (action) => () => {
    if (state.current < 0) {
      if (state.entries.length === 0) return;
      state.current = 0;
      markCurrent(true);
    }
    action(state.current);
  };
  const keys = {
    j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    " ": onEntry(play), p: onEntry(play),
    a: onEntry((index) => setVerdict(index, "approved")),
    f: onEntry(askNote),
    u: onEntry((index) => setVerdict(index, "unreviewed")),
    "/": () => $("q").focus(), n: () => page(1), b: () => page(-1),
  };
  const run = keys[event.key];
  if (!run) return;
  event.preventDefault();
  run();
}

// --- Statistics ------------------------------------------------------------------------------

async function loadStats() {
  const target = $("stats");
  target.textContent = "Loading…";
  let stats, report = null;
  try {
    stats = await api("/api/audio-cache/stats?top=10");
    report = await api("/api/audio-cache/report").catch((error) => {
      if (error instanceof Refused) throw error;
      return null;
    });
  } catch (error) {
    if (error instanceof Refused) return showSignIn(`Signed out: ${error.message}.`);
    target.textContent = `Could not load the statistics: ${error.message}`;
    return;
  }
  const charts = [
    barChart("Entries per voice", stats.voices, (group) => group.entries, String),
    barChart("Audio per voice", stats.voices, (group) => group.bytes, formatBytes),
    barChart("Entries per language", stats.languages, (group) => group.entries, String),
    barChart("Audio per language", stats.languages, (group) => group.bytes, formatBytes),
    reviewChart(stats),
    hitRate(stats),
  ];
  if (report) charts.push(billedChart(report), failures(report));
  target.replaceChildren(...charts);
}

function chart(title) {
  const box = document.createElement("figure");
  box.className = "chart";
  const caption = document.createElement("h3");
  caption.textContent = title;
  box.append(caption);
  return box;
}

function barChart(title, groups, value, format) {
  const box = chart(title);
  const largest = Math.max(1, ...groups.map(value));
  const list = document.createElement("div");
  list.setAttribute("role", "list");
  for (const group of groups) {
    const row = document.createElement("div");
    row.className = "bar-row";
    row.setAttribute("role", "listitem");
    const name = document.createElement("span");
    name.textContent = group.name ?? group.voice_id;
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.style.width = `${(100 * value(group)) / largest}%`;
    bar.setAttribute("aria-hidden", "true");
    const figure = document.createElement("span");
    figure.textContent = format(value(group));
    row.append(name, bar, figure);
    list.append(row);
  }
  if (groups.length === 0) list.textContent = "Nothing yet.";
  box.append(list);
  return box;
}

function reviewChart(stats) {
  const box = chart("Review progress");
  const { approved, flagged, unreviewed } = stats.reviews;
  const total = Math.max(1, approved + flagged + unreviewed);
  const stack = document.createElement("div");
  stack.className = "stack";
  stack.setAttribute("aria-hidden", "true");
  for (const [name, count] of [["approved", approved], ["flagged", flagged], ["unreviewed", unreviewed]]) {
    const part = document.createElement("div");
    part.className = name;
    part.style.width = `${(100 * count) / total}%`;
    stack.append(part);
  }
  const text = document.createElement("p");
  text.textContent = `${approved} approved, ${flagged} flagged, ${unreviewed} unreviewed`;
  box.append(stack, text);
  return box;
}

function hitRate(stats) {
  const box = chart("Hit rate");
  const text = document.createElement("p");
  text.textContent = stats.hit_rate == null
    ? `No lookups since ${formatDate(stats.since)}.`
    : `${(100 * stats.hit_rate).toFixed(1)}% (${stats.hits} hits, ${stats.misses} misses since ${formatDate(stats.since)})`;
  box.append(text);
  return box;
}

function billedChart(report) {
  const groups = report.characters.billed_by_voice.map((item) => ({ name: item.voice_id, characters: item.characters }));
  const box = barChart(`Characters billed by the last warm (${formatDate(report.finished_at)})`, groups,
    (group) => group.characters, String);
  return box;
}

function failures(report) {
  const box = chart(`Failures of the last warm: ${report.failures.length}`);
  const list = document.createElement("ul");
  for (const failure of report.failures.slice(0, 50)) {
    const item = document.createElement("li");
    item.textContent = `${failure.voice_id} · ${failure.language} · ${failure.text} — ${failure.message}`;
    list.append(item);
  }
  box.append(list);
  return box;
}

// --- Formatting ------------------------------------------------------------------------------

function formatBytes(bytes) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes, unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function formatDate(text) {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toLocaleString();
}

// --- Wiring ----------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("show-entries").addEventListener("click", () => showView("entries"));
  $("show-stats").addEventListener("click", () => showView("stats"));
  $("q").addEventListener("input", () => { state.typedAt = performance.now(); filtersChanged(50); });
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); filtersChanged(0); });
  for (const id of ["voice", "language", "state"]) $(id).addEventListener("change", () => filtersChanged(0));
  $("previous-page").addEventListener("click", () => page(-1));
  $("next-page").addEventListener("click", () => page(1));
  document.addEventListener("keydown", shortcut);
  start();
});
