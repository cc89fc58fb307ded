// The atp dashboard: the job list (#/jobs) and a job's page (#/jobs/<id>), both polling the API
// of `atp serve` every 2 s. See README.md; window.atpDashboard is the surface a browser test
// drives (documented there).

import { append, h, replaceChildren, setText } from './dom.js';
import {
  DASH,
  JOB_STATES,
  apiErrorText,
  buildTimeline,
  formatBitrate,
  formatDuration,
  formatMediaTime,
  formatPercent,
  formatTimestamp,
  jobApiPath,
  jobHash,
  jobsApiPath,
  jobsHash,
  ladderRows,
  packageUrls,
  parseRoute,
  renditionLabel,
  timelineBar,
  validationSummary,
} from './lib.js';
import { Player } from './player.js';

const POLL_MS = 2000;
const PAGE_SIZE = 20;
const TOKEN_KEY = 'atp.apiToken';
const MAX_RECORDED = 50;

const main = document.getElementById('main');
const live = document.getElementById('live');

// Errors the test surface reports: API answers that were not 2xx (other than expected 404s of a
// report not yet published) and failed requests, uncaught page errors.
const recorded = { api: [], page: [] };
const remember = (list, entry) => list.length < MAX_RECORDED && list.push(entry);
window.addEventListener('error', (e) => remember(recorded.page, { message: e.message }));
window.addEventListener('unhandledrejection', (e) => remember(recorded.page, { message: String(e.reason?.message ?? e.reason) }));

function announce(text) {
  setText(live, '');
  setTimeout(() => setText(live, text), 50);
}

// ---- API ----

class ApiError extends Error {
  constructor(status, body, path) {
    super(status === 0 ? `cannot reach the server (${body})` : apiErrorText(status, body));
    this.status = status;
    this.path = path;
  }
}

function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

// GET or POST `path`; resolves to the parsed JSON body with {status}; throws ApiError.
async function api(path, { method = 'GET', body, signal, expect404 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    const t = token();
    if (t) headers.Authorization = `Bearer ${t}`;
    if (body != null) headers['Content-Type'] = 'application/xml';
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal, cache: 'no-store' });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    remember(recorded.api, { path, status: 0, message: error.message });
    throw new ApiError(0, error.message, path);
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  if (!response.ok) {
    if (!(expect404 && response.status === 404)) {
      remember(recorded.api, { path, method, status: response.status, message: apiErrorText(response.status, json) });
    }
    throw new ApiError(response.status, json, path);
  }
  return { status: response.status, body: json };
}

// Calls fn(signal) now and POLL_MS after each call ends, until stop(); skips while the tab is
// hidden (polls once it is shown again).
function poller(fn) {
  const controller = new AbortController();
  let timer = null;
  let stopped = false;
  const run = async () => {
    timer = null;
    if (stopped) return;
    if (document.hidden) return; // visibilitychange restarts it
    try {
      await fn(controller.signal);
    } catch (error) {
      if (error.name !== 'AbortError') remember(recorded.page, { message: `poll: ${error.message}` });
    }
    if (!stopped) timer = setTimeout(run, POLL_MS);
  };
  const onVisible = () => {
    if (!document.hidden && timer == null && !stopped) run();
  };
  document.addEventListener('visibilitychange', onVisible);
  run();
  return {
    now: () => {
      if (timer != null) clearTimeout(timer);
      run();
    },
    stop: () => {
      stopped = true;
      if (timer != null) clearTimeout(timer);
      controller.abort();
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}

// ---- shared pieces ----

function stateBadge(state) {
  const known = JOB_STATES.includes(state);
  return h('span', { class: `state state-${known ? state.toLowerCase() : 'unknown'}` }, state || DASH);
}

// The time of day of `ms` (with milliseconds), the full time in its title.
function clockNode(ms) {
  const iso = new Date(ms).toISOString();
  const text = `${formatTimestamp(iso).slice(11)}.${String(ms % 1000).padStart(3, '0')}`;
  return h('time', { datetime: iso, title: formatTimestamp(iso) }, text);
}

function timeNode(text) {
  return h('time', { datetime: text || null, title: text || null }, formatTimestamp(text));
}

// A bar placed by CSSOM (no style attribute: works under a strict Content-Security-Policy).
function spanBar({ left, width }) {
  const bar = h('span', { class: 'bar' });
  bar.style.marginLeft = `${(left * 100).toFixed(2)}%`;
  bar.style.width = `${Math.max(width * 100, 0.5).toFixed(2)}%`;
  return bar;
}

function banner() {
  return h('div', { class: 'banner', role: 'alert', hidden: true });
}

function showBanner(node, text) {
  setText(node, text ?? '');
  node.hidden = !text;
}

// ---- the job list ----

function jobListView(route) {
  const title = route.state ? `${route.state} jobs` : 'Jobs';
  document.title = `${title} · atp`;
  const problem = banner();
  const status = h('p', { class: 'meta' });
  const tbody = h('tbody');
  const table = h('table', { class: 'jobs' },
    h('caption', { class: 'visually-hidden' }, 'Jobs, newest first'),
    h('thead', {}, h('tr', {},
      ['Job', 'Delivery', 'State', 'Step', 'Run', 'Created', 'Updated'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody);
  const empty = h('p', { class: 'empty', hidden: true });
  const newer = h('a', { class: 'button', href: jobsHash({ state: route.state, offset: Math.max(0, route.offset - PAGE_SIZE) }), rel: 'prev' }, '\u2190 Newer');
  const older = h('a', { class: 'button', rel: 'next' }, 'Older \u2192');
  const range = h('span', { class: 'range' });
  const filter = h('select', {
    id: 'state-filter',
    onchange: (e) => { location.hash = jobsHash({ state: e.target.value, offset: 0 }); },
  },
  h('option', { value: '' }, 'All'),
  JOB_STATES.map((s) => h('option', { value: s, selected: s === route.state }, s)));

  replaceChildren(main,
    h('h1', { tabindex: '-1' }, title),
    problem,
    h('div', { class: 'toolbar' },
      h('label', { for: 'state-filter' }, 'State '), filter,
      status),
    h('div', { class: 'table-wrap' }, table),
    empty,
    h('nav', { class: 'pages', 'aria-label': 'Pages' }, newer, range, older),
    submitForm());
  if (route.offset === 0) newer.hidden = true;

  const rows = new Map(); // job_id -> {tr, cells}
  let jobs = [];
  let loaded = false;
  const update = (body) => {
    jobs = Array.isArray(body?.jobs) ? body.jobs : [];
    const seen = new Set();
    let previous = null;
    for (const job of jobs) {
      const id = String(job.job_id ?? '');
      seen.add(id);
      let row = rows.get(id);
      if (!row) {
        const cells = {
          delivery: h('td'), state: h('td'), step: h('td'), run: h('td', { class: 'num' }),
          created: h('td'), updated: h('td'),
        };
        const tr = h('tr', { dataset: { jobId: id } },
          h('th', { scope: 'row' }, h('a', { href: jobHash(id) }, h('code', {}, id))),
          cells.delivery, cells.state, cells.step, cells.run, cells.created, cells.updated);
        row = { tr, cells, key: '' };
        rows.set(id, row);
      }
      const key = JSON.stringify([job.manifest_id, job.state, job.step, job.run, job.created, job.updated, job.error]);
      if (row.key !== key) {
        row.key = key;
        setText(row.cells.delivery, job.manifest_id ?? DASH);
        replaceChildren(row.cells.state, stateBadge(job.state));
        // A failed job's last step is its notification: show where it failed instead.
        replaceChildren(row.cells.step, (job.error ? job.error.step : job.step) || DASH,
          job.error ? h('span', { class: 'error-code', title: job.error.message ?? '' }, ` ${job.error.code ?? ''}`) : null);
        setText(row.cells.run, job.run ?? DASH);
        replaceChildren(row.cells.created, timeNode(job.created));
        replaceChildren(row.cells.updated, timeNode(job.updated));
      }
      // Keep the API's order (newest first) without moving rows that are in place.
      const expectedNext = previous ? previous.nextSibling : tbody.firstChild;
      if (expectedNext !== row.tr) tbody.insertBefore(row.tr, expectedNext);
      previous = row.tr;
    }
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.tr.remove();
        rows.delete(id);
      }
    }
    empty.hidden = jobs.length > 0;
    setText(empty, route.offset > 0 ? 'No jobs on this page.' : route.state ? `No ${route.state} jobs.` : 'No jobs yet: submit a delivery with `atp run` or below.');
    const next = body?.next_offset;
    if (Number.isInteger(next)) older.setAttribute('href', jobsHash({ state: route.state, offset: next }));
    else older.removeAttribute('href');
    older.hidden = !Number.isInteger(next);
    setText(range, jobs.length ? `${route.offset + 1}\u2013${route.offset + jobs.length}` : '');
    setText(status, `${jobs.length} shown \u00b7 updated ${new Date().toLocaleTimeString()}`);
    loaded = true;
  };

  const poll = poller(async (signal) => {
    try {
      const { body } = await api(jobsApiPath(route, PAGE_SIZE), { signal });
      showBanner(problem, '');
      update(body);
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      showBanner(problem, `Could not load the jobs: ${error.message}. Retrying every ${POLL_MS / 1000} s.`);
      loaded = true;
    }
  });
  return {
    stop: poll.stop,
    state: () => ({ loaded, jobs, problem: problem.hidden ? null : problem.textContent }),
  };
}

// A delivery manifest submitted with POST /v1/jobs (needs the API token).
function submitForm() {
  const text = h('textarea', { id: 'submit-xml', rows: '6', spellcheck: 'false' });
  const file = h('input', {
    id: 'submit-file',
    type: 'file',
    accept: '.xml,application/xml,text/xml',
    onchange: async () => {
      if (file.files?.[0]) text.value = await file.files[0].text();
    },
  });
  const result = h('p', { role: 'status' });
  const form = h('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      if (!text.value.trim()) {
        setText(result, 'Paste a delivery manifest or choose its file first.');
        return;
      }
      setText(result, 'Submitting\u2026');
      try {
        const { status, body } = await api('/v1/jobs', { method: 'POST', body: text.value });
        setText(result, status === 201 ? `Job ${body.job_id} created.` : `Job ${body.job_id} already exists (${body.state}).`);
        if (body?.job_id) location.hash = jobHash(body.job_id);
      } catch (error) {
        setText(result, `Not submitted: ${error.message}${tokenHint(error)}`);
      }
    },
  },
  h('label', { for: 'submit-xml' }, 'Delivery manifest (XML)'), text,
  h('label', { for: 'submit-file' }, 'or its file'), file,
  h('p', {}, h('button', { type: 'submit' }, 'Submit')),
  result);
  return h('details', { class: 'submit' }, h('summary', {}, 'Submit a delivery'), form);
}

function tokenHint(error) {
  if (error.status === 401) return ' \u2014 set the API token (top right).';
  if (error.status === 403) return ' \u2014 this server is read-only (no API token configured).';
  return '';
}

// A table with a header row of `columns` and one row per item of `rows` (cells(row): its
// cells after the row header, which is row.name).
function table(className, caption, columns, rows, cells) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: className },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', { dataset: { rendition: r.name } }, h('th', { scope: 'row' }, r.name), cells(r))))));
}

const numberCell = (text, warn = false) => h('td', { class: `num${warn ? ' warn' : ''}` }, text);

function videoLadderTable(rows) {
  return table('ladder', 'Video: declared by the ladder, measured in the package',
    ['Rendition', 'Size', 'Codecs', 'Target', 'Max rate', 'Measured average', 'Measured peak', 'Average / target', 'Peak / max rate'],
    rows, (r) => [
      h('td', {}, r.width && r.height ? `${r.width}\u00d7${r.height}` : DASH),
      h('td', {}, r.codecs ?? DASH),
      numberCell(formatBitrate(r.declared_bps)),
      numberCell(formatBitrate(r.maxrate_bps)),
      numberCell(r.measured ? formatBitrate(r.average_bps) : 'not in the package', !r.measured),
      numberCell(formatBitrate(r.peak_bps)),
      numberCell(formatPercent(r.average_ratio)),
      numberCell(formatPercent(r.peak_ratio), r.over_max),
    ]);
}

function audioTable(rows) {
  return table('ladder', 'Audio: declared by the profile, measured in the package',
    ['Rendition', 'Language', 'Codecs', 'Target', 'Measured average', 'Measured peak', 'Loudness'],
    rows, (r) => [
      h('td', {}, r.language ?? DASH),
      h('td', {}, r.codecs ?? DASH),
      numberCell(formatBitrate(r.declared_bps)),
      numberCell(formatBitrate(r.average_bps)),
      numberCell(formatBitrate(r.peak_bps)),
      numberCell(r.loudness_lufs != null ? `${r.loudness_lufs.toFixed(1)} LUFS` : DASH),
    ]);
}

// ---- a job ----

function jobView(route) {
  const id = route.id;
  document.title = `Job ${id} · atp`;
  const problem = banner();
  const heading = h('h1', { tabindex: '-1' }, 'Job ', h('code', {}, id), ' ');
  const badge = h('span');
  append(heading, badge);
  const facts = h('dl', { class: 'facts' });
  const failure = h('div', { class: 'failure', role: 'alert', hidden: true });
  const actionStatus = h('p', { role: 'status', class: 'action-status' });
  const retry = h('button', { type: 'button', hidden: true, onclick: () => act('retry') }, 'Retry');
  const cancel = h('button', { type: 'button', hidden: true, class: 'danger', onclick: () => act('cancel') }, 'Cancel');
  const timelineBody = h('div', {}, h('p', { class: 'empty' }, 'Loading\u2026'));
  const ladderBody = h('div', {}, h('p', { class: 'empty' }, 'Loading\u2026'));
  const validationBody = h('div', {}, h('p', { class: 'empty' }, 'Loading\u2026'));
  const playerSection = h('section', { 'aria-labelledby': 'player-h', class: 'player' },
    h('h2', { id: 'player-h' }, 'Player'));
  const playerBody = h('div', {}, h('p', { class: 'empty' }, 'Loading\u2026'));
  append(playerSection, playerBody);

  replaceChildren(main,
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/jobs' }, 'Jobs'), ' / ', h('span', { 'aria-current': 'page' }, id)),
    heading,
    problem,
    failure,
    facts,
    h('div', { class: 'actions' }, retry, cancel, actionStatus),
    playerSection,
    h('section', { 'aria-labelledby': 'timeline-h' }, h('h2', { id: 'timeline-h' }, 'Steps'), timelineBody),
    h('section', { 'aria-labelledby': 'ladder-h' }, h('h2', { id: 'ladder-h' }, 'Ladder'), ladderBody),
    h('section', { 'aria-labelledby': 'validation-h' }, h('h2', { id: 'validation-h' }, 'Validation'), validationBody));

  const view = {
    job: null,
    events: null,
    timeline: [],
    report: null,
    reportState: 'waiting', // waiting | loaded | absent
    ladder: [],
    validation: null,
    formats: null, // {hls: bool, dash: bool} once the manifests were looked for
    urls: null,
    loaded: false, // after the first poll, answered or not
    notFound: false, // the server does not know the job
  };
  let player = null;
  let playerUi = null;
  let timelineKey = '';
  let jobKey = '';
  let renderedReport = '';

  async function act(what) {
    if (what === 'cancel' && !window.confirm(`Cancel job ${id}?`)) return;
    setText(actionStatus, what === 'cancel' ? 'Cancelling\u2026' : 'Retrying\u2026');
    try {
      const { body } = await api(jobApiPath(id, `/${what}`), { method: 'POST' });
      setText(actionStatus, what === 'cancel'
        ? body?.state === 'CANCELLED' ? 'Cancelled.' : 'Cancel requested: its worker stops at its next check.'
        : `Retry started: run ${body?.run ?? '?'}.`);
      poll.now();
    } catch (error) {
      setText(actionStatus, `${what === 'cancel' ? 'Not cancelled' : 'Not retried'}: ${error.message}${tokenHint(error)}`);
    }
  }

  function renderJob(job) {
    const key = JSON.stringify(job);
    if (key === jobKey) return;
    const previousState = view.job?.state;
    jobKey = key;
    view.job = job;
    replaceChildren(badge, stateBadge(job.state));
    if (previousState && previousState !== job.state) announce(`Job ${id} is now ${job.state}.`);
    const fact = (term, ...value) => [h('dt', {}, term), h('dd', {}, ...value)];
    const urls = packageUrls(job);
    replaceChildren(facts,
      fact('Delivery', job.manifest_id ?? DASH),
      fact('Manifest', h('code', {}, job.manifest ?? DASH)),
      fact('Output', h('code', {}, job.output ?? DASH)),
      fact('Run', String(job.run ?? DASH)),
      fact('Step', job.step || DASH),
      fact('Created', timeNode(job.created)),
      fact('Updated', timeNode(job.updated)),
      job.lease ? fact('Lease', job.lease.owner ?? DASH, ' until ', timeNode(job.lease.expires)) : null,
      urls ? fact('Package',
        h('a', { href: urls.hls }, 'master.m3u8'), ' \u00b7 ',
        h('a', { href: urls.dash }, 'manifest.mpd'), ' \u00b7 ',
        h('a', { href: jobApiPath(id, '/report') }, 'report.json')) : null);
    if (job.error) {
      replaceChildren(failure,
        h('strong', {}, `Failed at ${job.error.step || 'an unknown step'}`), ': ',
        h('code', {}, job.error.code ?? ''), ' ', job.error.message ?? '');
      failure.hidden = false;
    } else {
      failure.hidden = true;
    }
    retry.hidden = !(job.state === 'FAILED' || job.state === 'CANCELLED');
    cancel.hidden = job.state !== 'RUNNING';
    if (!view.urls && urls) {
      view.urls = urls;
      setUpPlayer(urls);
    } else if (!urls && !view.urls) {
      replaceChildren(playerBody, h('p', { class: 'empty' }, job.state === 'COMPLETE'
        ? 'This server does not serve the package unsigned (atp serve --signed-urls): no player here.'
        : job.state === 'RUNNING' ? 'The package is not published yet.' : 'No package: the job did not complete.'));
    }
  }

  function renderTimeline() {
    const running = view.job?.state === 'RUNNING';
    const events = view.events ?? [];
    const key = JSON.stringify([events.length, events[events.length - 1]?.sequence, view.job?.state]);
    if (key === timelineKey && !running) return;
    timelineKey = key;
    view.timeline = buildTimeline(events, { now: Date.now(), running });
    if (view.timeline.length === 0) {
      replaceChildren(timelineBody, h('p', { class: 'empty' }, 'No steps recorded yet.'));
      return;
    }
    const many = view.timeline.length > 1;
    const table = h('table', { class: 'timeline' },
      h('caption', { class: 'visually-hidden' }, 'Steps of each run, in the order they started'),
      h('thead', {}, h('tr', {},
        ['Step', 'Attempts', 'Started', 'Duration', 'Outcome', 'Span', 'Message'].map((t) => h('th', { scope: 'col' }, t)))));
    for (const run of view.timeline) {
      const body = h('tbody', { dataset: { run: String(run.run) } });
      if (many) {
        const span = run.start != null && run.end != null ? ` \u00b7 ${formatDuration((run.end - run.start) / 1000)}` : '';
        body.appendChild(h('tr', { class: 'run' }, h('th', { scope: 'rowgroup', colspan: '7' }, `Run ${run.run}${span}`)));
      }
      for (const step of run.steps) {
        const bar = timelineBar(step, run);
        const attempts = step.attempts.length > 1
          ? h('ol', { class: 'attempts' }, step.attempts.map((a) => h('li', {},
            `attempt ${a.attempt}: ${a.outcome || (a.end == null ? 'not finished' : 'ended')}`,
            a.seconds != null ? ` after ${formatDuration(a.seconds)}` : '',
            a.message ? ` \u2014 ${a.message}` : '')))
          : null;
        body.appendChild(h('tr', { class: `status-${step.status}`, dataset: { step: step.step } },
          h('th', { scope: 'row', class: `depth-${Math.min(step.depth, 3)}` }, step.step),
          h('td', { class: 'num' }, String(step.attempts.length)),
          h('td', { class: 'when' }, step.start != null ? clockNode(step.start) : DASH),
          h('td', { class: 'num' }, formatDuration(step.seconds)),
          h('td', {}, h('span', { class: `outcome outcome-${step.status}` },
            step.status === 'running' ? 'running' : step.status === 'unfinished' ? 'not finished' : step.outcome || 'done')),
          h('td', { class: 'span', 'aria-hidden': 'true' }, bar ? spanBar(bar) : null),
          h('td', { class: 'message' }, step.message || (attempts ? '' : DASH), attempts)));
      }
      table.appendChild(body);
    }
    replaceChildren(timelineBody, h('div', { class: 'table-wrap' }, table));
  }

  function renderReport() {
    if (view.reportState !== 'loaded') {
      const text = view.job?.state === 'RUNNING'
        ? 'The report is published with the package.'
        : view.job?.state === 'COMPLETE' ? 'Loading the report\u2026' : 'No report: the job did not complete.';
      replaceChildren(ladderBody, h('p', { class: 'empty' }, text));
      replaceChildren(validationBody, h('p', { class: 'empty' }, text));
      return;
    }
    const report = view.report;
    view.ladder = ladderRows(report);
    view.validation = validationSummary(report);
    const video = view.ladder.filter((r) => r.kind === 'video');
    const other = view.ladder.filter((r) => r.kind !== 'video');
    replaceChildren(ladderBody,
      video.length === 0 ? h('p', { class: 'empty' }, 'The report lists no video rendition.') : videoLadderTable(video),
      other.length === 0 ? null : audioTable(other),
      warningsList(report));

    const v = view.validation;
    const verdict = v.ok === true ? 'passed' : v.ok === false ? 'failed' : 'unknown';
    replaceChildren(validationBody,
      h('p', { class: `verdict verdict-${verdict}` },
        h('strong', {}, `Validator ${verdict}`), `: ${v.errors} error${v.errors === 1 ? '' : 's'}, ${v.warnings} warning${v.warnings === 1 ? '' : 's'}.`),
      v.findings.length === 0 ? h('p', { class: 'empty' }, 'No findings.') : h('div', { class: 'table-wrap' },
        h('table', { class: 'findings' },
          h('caption', { class: 'visually-hidden' }, 'Validator findings, errors first'),
          h('thead', {}, h('tr', {}, ['Rule', 'Severity', 'Where', 'Message'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, v.findings.map((f) => h('tr', { class: `severity-${f.severity === 'error' ? 'error' : 'warning'}` },
            h('th', { scope: 'row' }, h('code', {}, f.rule)),
            h('td', {}, f.severity),
            h('td', {}, h('code', {}, f.where)),
            h('td', {}, f.message)))))));
  }

  function warningsList(report) {
    const warnings = Array.isArray(report?.warnings) ? report.warnings : [];
    if (warnings.length === 0) return null;
    return h('details', { class: 'warnings' },
      h('summary', {}, `${warnings.length} delivery warning${warnings.length === 1 ? '' : 's'}`),
      h('ul', {}, warnings.map((w) => h('li', {}, String(w)))));
  }

  async function setUpPlayer(urls) {
    // Which manifests the package has (DASH is optional in the profile).
    const has = async (url) => {
      try {
        return (await fetch(url, { method: 'HEAD', cache: 'no-store' })).ok;
      } catch {
        return false;
      }
    };
    const [hls, dash] = await Promise.all([has(urls.hls), has(urls.dash)]);
    if (stopped) return;
    view.formats = { hls, dash };
    const video = h('video', { controls: true, muted: true, playsinline: true, preload: 'none' });
    video.muted = true;
    const format = h('div', { class: 'formats', role: 'group', 'aria-label': 'Format' });
    const buttons = {
      hls: h('button', { type: 'button', 'aria-pressed': 'false', disabled: !hls, onclick: () => play('hls') }, 'HLS (hls.js)'),
      dash: h('button', { type: 'button', 'aria-pressed': 'false', disabled: !dash, onclick: () => play('dash') }, 'DASH (dash.js)'),
    };
    append(format, buttons.hls, buttons.dash);
    const select = h('select', { id: 'rendition', disabled: true, onchange: () => player.select(Number(select.value)) },
      h('option', { value: '-1' }, 'Auto (ABR)'));
    const out = {
      format: h('dd'), decoded: h('dd', { id: 'decoded' }), rendered: h('dd'), time: h('dd'), errors: h('dd'),
    };
    const errorList = h('ul', { class: 'player-errors' });
    replaceChildren(playerBody,
      h('div', { class: 'player-controls' }, format,
        h('span', { class: 'rendition' }, h('label', { for: 'rendition' }, 'Rendition '), select)),
      !hls && !dash ? h('p', { class: 'empty' }, 'The package has neither master.m3u8 nor manifest.mpd.') : null,
      h('div', { class: 'player-main' },
        h('div', { class: 'video-box' }, video),
        h('dl', { class: 'facts player-facts', 'aria-live': 'off' },
          h('dt', {}, 'Playing'), out.format,
          h('dt', {}, 'Decoded picture'), out.decoded,
          h('dt', {}, 'On screen'), out.rendered,
          h('dt', {}, 'Time'), out.time,
          h('dt', {}, 'Errors'), out.errors)),
      errorList);
    let listedKey = '';
    const refresh = () => {
      const s = player.snapshot();
      for (const kind of ['hls', 'dash']) buttons[kind].setAttribute('aria-pressed', String(s.kind === kind));
      setText(out.format, s.kind ? `${s.kind === 'hls' ? 'HLS' : 'DASH'} with ${s.kind === 'hls' ? 'hls.js' : 'dash.js'} ${s.version ?? ''} \u2014 ${s.status}` : 'nothing: choose a format');
      setText(out.decoded, s.video_width ? `${s.video_width}\u00d7${s.video_height}` : DASH);
      const locked = s.selected >= 0 ? ` (locked to ${s.renditions[s.selected]?.name})` : ' (ABR)';
      setText(out.rendered, s.kind ? `${s.rendered ?? DASH}${locked}` : DASH);
      setText(out.time, s.kind ? `${formatMediaTime(s.current_time)} of ${formatMediaTime(s.duration)}${s.paused ? ' (paused)' : ''}` : DASH);
      setText(out.errors, s.errors.length || s.non_fatal_errors.length ? `${s.errors.length} fatal, ${s.non_fatal_errors.length} recovered` : 'none');
      const key = JSON.stringify([s.kind, s.renditions.map((r) => r.id)]);
      if (key !== listedKey) {
        listedKey = key;
        replaceChildren(select, h('option', { value: '-1' }, 'Auto (ABR)'),
          s.renditions.map((r) => h('option', { value: String(r.index) }, renditionLabel(r))));
        select.disabled = s.renditions.length === 0;
      }
      if (select.value !== String(s.selected)) select.value = String(s.selected);
      if (errorList.childElementCount !== s.errors.length) {
        replaceChildren(errorList, s.errors.map((e) => h('li', { role: 'alert' },
          `${e.source}: ${[e.details ?? e.code, e.message].filter((x) => x != null && x !== '').join(' ')}`)));
      }
    };
    player = new Player(video, { onChange: refresh });
    const play = (kind) => {
      const url = kind === 'hls' ? urls.hls : urls.dash;
      return player.load(kind, url);
    };
    playerUi = { play, select, refresh };
    refresh();
  }

  let stopped = false;
  const poll = poller(async (signal) => {
    try {
      const [job, events] = await Promise.all([
        api(jobApiPath(id), { signal }),
        api(jobApiPath(id, '/events'), { signal }),
      ]);
      showBanner(problem, '');
      renderJob(job.body);
      view.events = Array.isArray(events.body?.events) ? events.body.events : [];
      renderTimeline();
      if (view.job.state === 'COMPLETE' && view.reportState !== 'loaded') {
        try {
          view.report = (await api(jobApiPath(id, '/report'), { signal, expect404: true })).body;
          view.reportState = 'loaded';
        } catch (error) {
          if (error.name === 'AbortError') throw error;
          if (error.status !== 404) throw error;
        }
      }
      if (view.reportState !== 'loaded') {
        view.reportState = view.job.state === 'COMPLETE' || view.job.state === 'RUNNING' ? 'waiting' : 'absent';
      }
      const reportKey = `${view.reportState}/${view.job.state}`;
      if (reportKey !== renderedReport) {
        renderedReport = reportKey;
        renderReport();
      }
      view.loaded = true;
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      view.notFound = error.status === 404 && error.path === jobApiPath(id);
      if (view.notFound) {
        showBanner(problem, `No job ${id} on this server.`);
      } else {
        showBanner(problem, `Could not load the job: ${error.message}. Retrying every ${POLL_MS / 1000} s.`);
      }
      view.loaded = true;
    }
  });

  return {
    stop: () => {
      stopped = true;
      poll.stop();
      player?.unload();
    },
    state: () => ({ ...view, problem: problem.hidden ? null : problem.textContent }),
    player: () => player,
    playerUi: () => playerUi,
  };
}

function notFoundView(route) {
  document.title = 'Not found · atp';
  replaceChildren(main,
    h('h1', { tabindex: '-1' }, 'Not found'),
    h('p', {}, 'Nothing here: ', h('code', {}, `#${route.hash}`), '. ', h('a', { href: '#/jobs' }, 'Back to the jobs'), '.'));
  return { stop: () => {}, state: () => ({ loaded: true }) };
}

// ---- the API token (sessionStorage: this tab only) ----

function setUpToken() {
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  const status = document.getElementById('token-status');
  const show = () => setText(status, token() ? 'A token is set for this tab.' : 'No token: retry, cancel and submit are refused.');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      if (input.value.trim()) sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    } catch {
      setText(status, 'This browser does not keep the token (no sessionStorage).');
      return;
    }
    input.value = '';
    show();
  });
  document.getElementById('token-forget').addEventListener('click', () => {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // nothing kept
    }
    input.value = '';
    show();
  });
  show();
}

// ---- routing ----

let current = null;
let currentRoute = null;

function route() {
  const next = parseRoute(location.hash);
  if (current && currentRoute && JSON.stringify(next) === JSON.stringify(currentRoute)) return;
  current?.stop();
  const first = currentRoute == null;
  currentRoute = next;
  if (next.view === 'jobs') current = jobListView(next);
  else if (next.view === 'job') current = jobView(next);
  else current = notFoundView(next);
  if (!first) main.querySelector('h1')?.focus();
}

// ---- the test surface (see README.md) ----

function playerOrThrow() {
  const p = current?.player?.();
  if (!p) throw new Error('no player: open a job page whose package is served first');
  return p;
}

window.atpDashboard = {
  route: () => ({ ...currentRoute }),
  ready: () => Boolean(current?.state().loaded),
  jobs: () => (currentRoute?.view === 'jobs' ? current.state().jobs.map((j) => ({ ...j })) : []),
  // The error the page shows above its content (the server could not be reached...), or null.
  problem: () => current?.state().problem ?? null,
  view: () => {
    if (currentRoute?.view !== 'job') return null;
    const v = current.state();
    return {
      job: v.job,
      timeline: v.timeline.map((run) => ({
        run: run.run,
        steps: run.steps.map((s) => ({ step: s.step, attempts: s.attempts.length, seconds: s.seconds, outcome: s.outcome, status: s.status, message: s.message })),
      })),
      report: v.reportState,
      ladder: v.ladder.map((r) => ({ ...r })),
      validation: v.validation,
      formats: v.formats,
      package: v.urls,
      not_found: v.notFound,
      problem: v.problem,
    };
  },
  // Same as pressing the format button: resolves once the manifest is parsed.
  play: async (kind) => {
    const ui = current?.playerUi?.();
    if (!ui) throw new Error('no player: open a job page whose package is served first');
    await ui.play(kind);
  },
  player: () => current?.player?.()?.snapshot() ?? null,
  renditions: () => playerOrThrow().renditions(),
  // Same as choosing renditions()[index] in the switcher (-1: ABR).
  selectRendition: (index) => {
    const ok = playerOrThrow().select(index);
    current.playerUi()?.refresh();
    return ok;
  },
  currentTime: () => playerOrThrow().video.currentTime,
  videoSize: () => {
    const v = playerOrThrow().video;
    return { width: v.videoWidth, height: v.videoHeight };
  },
  seek: (seconds) => {
    playerOrThrow().video.currentTime = seconds;
  },
  errors: () => {
    const p = current?.player?.();
    return {
      player: p ? [...p.errors] : [],
      player_recovered: p ? [...p.nonFatal] : [],
      api: [...recorded.api],
      page: [...recorded.page],
    };
  },
};

setUpToken();
// Hash routing owns the fragment, so the skip link is a button that moves the focus.
document.getElementById('skip').addEventListener('click', () => (main.querySelector('h1') ?? main).focus());
window.addEventListener('hashchange', route);
route();
