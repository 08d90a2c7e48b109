// The web console of `strata serve` (docs/server.md#the-web-console): an SQL editor,
// the tiers as lanes of partitions, operations in flight, and charts from /metrics.
// Plain JavaScript in the browser, no library, nothing from a CDN.

const $ = (selector) => document.querySelector(selector);
const HISTORY = 'strata-console-history';
const TOKEN = 'strata-console-token';
const SAMPLES = 150; // 5 minutes of samples every 2 s

let token = sessionStorage.getItem(TOKEN);

/** Fetches `path` with the token; a 401 asks for the token and throws. */
async function call(path, init = {}) {
  const headers = { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) {
    $('#token-form').hidden = false;
    setStatus('this server wants its bearer token', true);
    throw new Error('unauthorized');
  }
  return res;
}

/** JSON text with integers beyond 2^53 kept as strings of digits (for display). */
function parseJson(text) {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, (m, pre, digits) => (Number.isSafeInteger(Number(digits)) ? m : `${pre}"${digits}"`)));
}

/** Runs statements; answers { results, error }. */
async function sql(text) {
  const res = await call('/v1/sql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text });
  return parseJson(await res.text());
}

function setStatus(text, bad = false) {
  const s = $('#status');
  s.textContent = text;
  s.classList.toggle('bad', bad);
}

// ---- SQL editor ----

function history() {
  try {
    return JSON.parse(localStorage.getItem(HISTORY) ?? '[]');
  } catch {
    return [];
  }
}

function showHistory() {
  const select = $('#history');
  select.replaceChildren(new Option('History', ''));
  for (const h of history()) select.add(new Option(h.length > 60 ? `${h.slice(0, 57)}...` : h, h));
}

function cell(v) {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A row's fields, nested objects of plain values spread into `outer.inner` columns; null when deeper. */
function flatten(row) {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return null;
  const out = {};
  for (const [k, v] of Object.entries(row)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) {
        if (v2 !== null && typeof v2 === 'object') return null;
        out[`${k}.${k2}`] = v2;
      }
    } else if (Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object')) {
      return null;
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** A result as a table when it is rows (of plain values, one level of nesting at most), else as JSON. */
function render(result) {
  const rows = (Array.isArray(result) ? result : result !== null && typeof result === 'object' ? [result] : []).map(flatten);
  if (rows.length === 0 || rows.some((r) => r === null)) {
    const pre = document.createElement('pre');
    pre.textContent = result === null ? 'ok' : JSON.stringify(result, null, 2);
    return pre;
  }
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const c of columns) head.appendChild(Object.assign(document.createElement('th'), { textContent: c }));
  const body = table.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of columns) tr.insertCell().textContent = cell(r[c]);
  }
  return table;
}

/** The error, with the line of the body it points at and a caret under its column. */
function showError(error, text) {
  const box = $('#error');
  const line = text.split('\n')[error.line - 1] ?? '';
  box.textContent = `${error.code}: ${error.message}\n${line}\n${' '.repeat(Math.max(0, error.column - 1))}^`;
  box.hidden = false;
}

async function run() {
  const text = $('#sql').value.trim();
  if (text === '') return;
  const h = [text, ...history().filter((x) => x !== text)].slice(0, 50);
  localStorage.setItem(HISTORY, JSON.stringify(h));
  showHistory();
  $('#error').hidden = true;
  const out = $('#result');
  out.replaceChildren();
  try {
    const { results, error } = await sql(text);
    for (const r of results) {
      const title = document.createElement('h3');
      title.textContent = r.statement;
      out.append(title, render(r.result));
    }
    if (error) showError(error, text);
  } catch (e) {
    if (e.message !== 'unauthorized') setStatus(`request failed: ${e.message}`, true);
  }
  refreshTiers();
}

// ---- tiers ----

function size(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(bytes);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

function block(p) {
  const b = document.createElement('div');
  const inMemory = !p.on_storage && !p.on_cloud;
  b.className = inMemory ? 'block memory' : 'block';
  b.dataset.min = String(p.min);
  b.title = `partition ${p.min}..${p.max}: ${p.events + p.events_heap} events, ${size(p.size)}${inMemory ? ' (in memory)' : ''}`;
  b.textContent = `${p.min}–${p.max}`;
  // width grows with the size, logarithmically: a 1000x larger partition is 4x wider
  b.style.width = `${Math.min(12, 3 + Math.log10(1 + Number(p.size) / 1024))}rem`;
  return b;
}

async function refreshTiers() {
  let answer;
  try {
    answer = await sql('SHOW PIPELINE; SHOW STORAGES; SHOW PARTITIONS; SHOW OPERATIONS');
  } catch {
    return;
  }
  if (answer.error) return;
  setStatus('connected');
  const [pipeline, storages, partitions, operations] = answer.results.map((r) => r.result);
  const order = [...pipeline.map((t) => t.storage), ...storages.map((s) => s.name).filter((n) => !pipeline.some((t) => t.storage === n))];
  const lanes = $('#lanes');
  lanes.replaceChildren();
  for (const name of order) {
    const storage = storages.find((s) => s.name === name);
    const lane = document.createElement('div');
    lane.className = 'lane';
    lane.dataset.storage = name;
    const title = document.createElement('div');
    title.className = 'name';
    const tier = pipeline.find((t) => t.storage === name);
    title.textContent = `${name}${tier ? '' : ' (not in the pipeline)'}${storage?.config.cloud ? ` · cloud ${storage.config.cloud}` : ''}`;
    lane.append(title);
    for (const location of storage?.config.cloud ? ['local', 'cloud'] : ['local']) {
      const place = document.createElement('div');
      place.className = 'place';
      place.dataset.location = location;
      for (const p of partitions.filter((x) => x.storage === name)) {
        const here = location === 'cloud' ? p.on_cloud : p.on_storage || (!p.on_storage && !p.on_cloud);
        if (here) place.append(block(p));
      }
      lane.append(place);
    }
    lanes.append(lane);
  }
  const list = $('#operations');
  list.replaceChildren();
  for (const op of operations.filter((o) => o.state === 'running')) {
    const li = document.createElement('li');
    const bar = document.createElement('progress');
    bar.max = Math.max(1, Number(op.bytes_total));
    bar.value = Number(op.bytes_done);
    li.append(`${op.kind} ${op.partition}: ${op.source} → ${op.destination} `, bar);
    list.append(li);
  }
  if (list.children.length === 0) list.append(Object.assign(document.createElement('li'), { className: 'none', textContent: 'none' }));
}

// ---- charts ----

const series = { rate: [], memory: [], lag: [] };
let lastWritten = null;

/** The value of a metric without labels in Prometheus text. */
function metric(text, name) {
  const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

function draw(id, values, format) {
  const svg = $(`#chart-${id}`);
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${(i / (SAMPLES - 1)) * 300},${80 - (v / max) * 76}`).join(' ');
  svg.innerHTML = `<polyline points="${points}"></polyline>`;
  $(`#${id}-now`).textContent = values.length > 0 ? format(values.at(-1)) : '';
}

async function refreshCharts() {
  let text;
  try {
    text = await (await call('/metrics')).text();
  } catch {
    return;
  }
  const now = performance.now();
  const written = metric(text, 'strata_events_written_total');
  if (lastWritten !== null) series.rate.push(((written - lastWritten.value) * 1000) / (now - lastWritten.at));
  lastWritten = { value: written, at: now };
  series.memory.push(metric(text, 'strata_memtable_bytes'));
  series.lag.push(metric(text, 'strata_upload_lag_bytes'));
  for (const s of Object.values(series)) if (s.length > SAMPLES) s.splice(0, s.length - SAMPLES);
  draw('rate', series.rate, (v) => `${Math.round(v).toLocaleString()} events/s`);
  draw('memory', series.memory, size);
  draw('lag', series.lag, size);
}

// ---- start ----

$('#run').addEventListener('click', run);
$('#sql').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    run();
  }
});
$('#history').addEventListener('change', (e) => {
  if (e.target.value !== '') $('#sql').value = e.target.value;
});
$('#token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('#token').value;
  sessionStorage.setItem(TOKEN, token);
  $('#token-form').hidden = true;
  refreshTiers();
  refreshCharts();
});
showHistory();
refreshTiers();
refreshCharts();
setInterval(refreshTiers, 1000);
setInterval(refreshCharts, 2000);
