// The dashboard's logic without a DOM: formatting, routing, the step timeline from the journal,
// the ladder from report.json, package URLs. Imported by app.js in the browser and by
// lib.test.mjs under `node --test`.

export const JOB_STATES = ['RUNNING', 'COMPLETE', 'FAILED', 'CANCELLED'];
export const DASH = '\u2014'; // shown for a missing value

const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

// ---- formatting ----

// A duration for people: "0 ms", "2 ms", "0.90 s", "12.3 s", "1 min 05 s", "2 h 03 min".
// null, undefined, NaN or a negative number: "—".
export function formatDuration(seconds) {
  if (!isNumber(seconds) || seconds < 0) return DASH;
  if (seconds < 0.9995) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 9.995) return `${seconds.toFixed(2)} s`;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

// A bitrate in bits per second: "950 bps", "118.7 kbps", "6.12 Mbps". Missing: "—".
export function formatBitrate(bps) {
  if (!isNumber(bps) || bps < 0) return DASH;
  if (bps < 1000) return `${Math.round(bps)} bps`;
  if (bps < 999_950) return `${(bps / 1000).toFixed(1)} kbps`;
  return `${(bps / 1_000_000).toFixed(2)} Mbps`;
}

// A ratio as a whole percentage: 0.1484 -> "15 %". Missing or not finite: "—".
export function formatPercent(ratio) {
  if (!isNumber(ratio)) return DASH;
  return `${Math.round(ratio * 100)} %`;
}

// Seconds on a media timeline: 75.25 -> "1:15.2".
export function formatMediaTime(seconds) {
  if (!isNumber(seconds) || seconds < 0) return DASH;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds - minutes * 60;
  return `${minutes}:${rest.toFixed(1).padStart(4, '0')}`;
}

// An RFC 3339 time from the API as local "YYYY-MM-DD HH:MM:SS". Unparseable: the text as given;
// missing: "—". `timeZone` is for tests ("UTC"); the browser's own zone by default.
export function formatTimestamp(text, timeZone) {
  if (typeof text !== 'string' || text === '') return DASH;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return text;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(date).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

// Milliseconds since the epoch of an API time, or null.
export function parseTime(text) {
  if (typeof text !== 'string') return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

// ---- routing (the part of the URL after "#") ----

// "#/jobs?state=FAILED&offset=40" -> {view: 'jobs', state: 'FAILED', offset: 40}
// "#/jobs/<id>"                   -> {view: 'job', id}
// "", "#", "#/"                   -> the job list
// anything else                   -> {view: 'not-found', hash}
export function parseRoute(hash) {
  const raw = (hash ?? '').replace(/^#/, '');
  const [path, query = ''] = raw.split('?', 2);
  const params = new URLSearchParams(query);
  if (path === '' || path === '/' || path === '/jobs' || path === '/jobs/') {
    const state = params.get('state');
    const offset = Number.parseInt(params.get('offset') ?? '0', 10);
    return {
      view: 'jobs',
      state: JOB_STATES.includes(state) ? state : '',
      offset: Number.isFinite(offset) && offset > 0 ? offset : 0,
    };
  }
  const match = /^\/jobs\/([^/]+)\/?$/.exec(path);
  if (match) {
    let id;
    try {
      id = decodeURIComponent(match[1]);
    } catch {
      return { view: 'not-found', hash: raw };
    }
    return { view: 'job', id };
  }
  return { view: 'not-found', hash: raw };
}

export function jobsHash({ state = '', offset = 0 } = {}) {
  const params = new URLSearchParams();
  if (state) params.set('state', state);
  if (offset > 0) params.set('offset', String(offset));
  const query = params.toString();
  return `#/jobs${query ? `?${query}` : ''}`;
}

export function jobHash(id) {
  return `#/jobs/${encodeURIComponent(id)}`;
}

// The API path of the job list for a route and a page size.
export function jobsApiPath({ state = '', offset = 0 }, limit) {
  const params = new URLSearchParams();
  if (state) params.set('state', state);
  params.set('limit', String(limit));
  if (offset > 0) params.set('offset', String(offset));
  return `/v1/jobs?${params}`;
}

export function jobApiPath(id, suffix = '') {
  return `/v1/jobs/${encodeURIComponent(id)}${suffix}`;
}

// ---- package URLs ----

// The HLS and DASH manifest paths of a job's published package, from its `package` field
// ("/out/<series>/sNN/eNNN/<job id>/"). null when the job has none or the field is not a plain
// same-origin path below /out/ (no scheme, no "..", "." or empty segment, no query, fragment
// or backslash): API text never becomes a URL that leaves the package.
export function packageUrls(job) {
  const prefix = job?.package;
  if (typeof prefix !== 'string' || !prefix.startsWith('/out/') || !prefix.endsWith('/')) return null;
  if (/[?#\\\s]/.test(prefix) || /[\u0000-\u001f\u007f]/.test(prefix)) return null;
  const segments = prefix.slice('/out/'.length, -1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  return { base: prefix, hls: `${prefix}master.m3u8`, dash: `${prefix}manifest.mpd` };
}

// ---- the step timeline ----

// Builds the timeline from the journal (GET /v1/jobs/<id>/events `events`): per run, per step in
// the order the steps started, the step's attempts (paired start and end events) and a summary:
//   {run, start, end, steps: [{step, depth, attempts: [...], start, end, seconds, outcome,
//    message, status}]}
// - attempt: {attempt, start, end (ms or null), seconds (null while unfinished), outcome
//   ("" while unfinished), message}
// - step.seconds: from its first attempt's start to its last attempt's end (retries and their
//   backoff included); while an attempt is unfinished and `running`, up to `now`.
// - step.outcome / message: the last ended attempt's, and the message is the last non-empty
//   one of the step (so a retried error stays visible).
// - status: "running" (an attempt has no end and the job is running), "unfinished" (no end, the
//   job is not running), "ok" (last outcome OK or empty), "retried" (OK after failed attempts),
//   "cancelled" (last outcome CANCELLED), "failed" (last outcome another code).
// - depth: the number of "/" in the step name (transcode/video-001 is inside transcode).
export function buildTimeline(events, { now = Date.now(), running = false } = {}) {
  const list = Array.isArray(events) ? [...events] : [];
  list.sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
  const runs = new Map();
  for (const event of list) {
    const runNumber = Number.isInteger(event.run) ? event.run : 1;
    let run = runs.get(runNumber);
    if (!run) {
      run = { run: runNumber, steps: new Map() };
      runs.set(runNumber, run);
    }
    const name = String(event.step ?? '');
    let step = run.steps.get(name);
    if (!step) {
      step = { step: name, depth: (name.match(/\//g) ?? []).length, attempts: [] };
      run.steps.set(name, step);
    }
    const number = Number.isInteger(event.attempt) ? event.attempt : 1;
    const time = parseTime(event.time);
    if (event.kind === 'start') {
      step.attempts.push({ attempt: number, start: time, end: null, seconds: null, outcome: '', message: '' });
      continue;
    }
    // An end: it closes the newest open attempt with its number, else stands alone.
    let attempt = null;
    for (let i = step.attempts.length - 1; i >= 0; i--) {
      const a = step.attempts[i];
      if (a.attempt === number && a.end == null && !a.ended) {
        attempt = a;
        break;
      }
    }
    if (!attempt) {
      attempt = { attempt: number, start: null, end: null, seconds: null, outcome: '', message: '' };
      step.attempts.push(attempt);
    }
    attempt.ended = true;
    attempt.end = time;
    attempt.outcome = String(event.outcome ?? '');
    attempt.message = String(event.message ?? '');
    attempt.seconds = attempt.start != null && time != null ? Math.max(0, (time - attempt.start) / 1000) : null;
  }

  const newestRun = Math.max(...runs.keys());
  return [...runs.values()].map((run) => {
    const steps = [...run.steps.values()].map((step) => summarizeStep(step, { now, running: running && run.run === newestRun }));
    const starts = steps.map((s) => s.start).filter((t) => t != null);
    const ends = steps.map((s) => s.end).filter((t) => t != null);
    return {
      run: run.run,
      start: starts.length ? Math.min(...starts) : null,
      end: ends.length ? Math.max(...ends) : null,
      steps,
    };
  });
}

function summarizeStep(step, { now, running }) {
  const attempts = step.attempts.map(({ ended, ...a }) => ({ ...a, ended: Boolean(ended) }));
  const open = attempts.some((a) => !a.ended);
  const ended = attempts.filter((a) => a.ended);
  const last = ended[ended.length - 1] ?? null;
  const starts = attempts.map((a) => a.start).filter((t) => t != null);
  const start = starts.length ? Math.min(...starts) : null;
  let end = null;
  if (open && running) end = now;
  else if (!open && last) end = last.end;
  const messages = attempts.map((a) => a.message).filter((m) => m);
  let status;
  if (open) status = running ? 'running' : 'unfinished';
  else if (last?.outcome === 'CANCELLED') status = 'cancelled';
  else if (last && last.outcome !== '' && last.outcome !== 'OK') status = 'failed';
  else if (ended.some((a) => a.outcome !== '' && a.outcome !== 'OK')) status = 'retried';
  else status = 'ok';
  for (const a of attempts) delete a.ended;
  return {
    step: step.step,
    depth: step.depth,
    attempts,
    start,
    end,
    seconds: start != null && end != null ? Math.max(0, (end - start) / 1000) : null,
    outcome: open ? '' : last?.outcome ?? '',
    message: messages[messages.length - 1] ?? '',
    status,
  };
}

// Where a step lies inside its run, as fractions of the run's span, for a bar: {left, width},
// both in [0, 1]; null without times. A step of no duration gets a sliver (width 0).
export function timelineBar(step, run) {
  if (step.start == null || run.start == null) return null;
  const runEnd = Math.max(run.end ?? step.start, step.end ?? step.start);
  const span = runEnd - run.start;
  if (!(span > 0)) return { left: 0, width: 1 };
  const left = (step.start - run.start) / span;
  const width = ((step.end ?? step.start) - step.start) / span;
  return { left: clamp01(left), width: clamp01(Math.min(width, 1 - left)) };
}

const clamp01 = (x) => Math.min(1, Math.max(0, x));

// ---- report.json ----

// The value of `key` in report.json's `profile` text ("key=value" lines), or null.
export function profileValue(profileText, key) {
  if (typeof profileText !== 'string') return null;
  for (const line of profileText.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0 && line.slice(0, at).trim() === key) return line.slice(at + 1).trim();
  }
  return null;
}

// The ladder as table rows: each video rung of `ladder` with what was measured in the package
// (the `renditions` entry of the same name), then each other measured rendition (audio), with
// the profile's audio.bitrate_kbps as its declared bitrate.
//   {name, kind: "video"|"audio", width, height, codecs, declared_bps, maxrate_bps, average_bps,
//    peak_bps, average_ratio (average / declared), peak_ratio (peak / maxrate, or declared
//    when there is no maxrate), over_max (peak above maxrate), segments, duration_seconds,
//    language, loudness_lufs}
export function ladderRows(report) {
  const ladder = Array.isArray(report?.ladder) ? report.ladder : [];
  const measured = new Map();
  for (const r of Array.isArray(report?.renditions) ? report.renditions : []) {
    if (r && typeof r.name === 'string') measured.set(r.name, r);
  }
  const kbps = (value) => (isNumber(value) && value > 0 ? value * 1000 : null);
  const row = (name, kind, declared, maxrate, m, extra) => {
    const average = isNumber(m?.average_bitrate_bps) ? m.average_bitrate_bps : null;
    const peak = isNumber(m?.peak_bitrate_bps) ? m.peak_bitrate_bps : null;
    const ceiling = maxrate ?? declared;
    return {
      name,
      kind,
      width: null,
      height: null,
      codecs: m?.codecs ?? null,
      declared_bps: declared,
      maxrate_bps: maxrate,
      average_bps: average,
      peak_bps: peak,
      average_ratio: average != null && declared ? average / declared : null,
      peak_ratio: peak != null && ceiling ? peak / ceiling : null,
      over_max: peak != null && maxrate != null && peak > maxrate,
      segments: isNumber(m?.segments) ? m.segments : null,
      duration_seconds: isNumber(m?.duration_seconds) ? m.duration_seconds : null,
      language: null,
      loudness_lufs: null,
      measured: Boolean(m),
      ...extra,
    };
  };
  const rows = [];
  const seen = new Set();
  for (const rung of ladder) {
    const name = String(rung?.name ?? '');
    seen.add(name);
    rows.push(row(name, 'video', kbps(rung?.bitrate_kbps), kbps(rung?.maxrate_kbps), measured.get(name), {
      width: isNumber(rung?.width) ? rung.width : null,
      height: isNumber(rung?.height) ? rung.height : null,
    }));
  }
  const audioKbps = Number.parseFloat(profileValue(report?.profile, 'audio.bitrate_kbps') ?? '');
  for (const [name, m] of measured) {
    if (seen.has(name)) continue;
    const isAudio = Boolean(m.loudness) || /^mp4a|^ac-3|^ec-3|^opus/i.test(m.codecs ?? '') || name.startsWith('audio');
    rows.push(row(name, isAudio ? 'audio' : 'other', isAudio ? kbps(audioKbps) : null, null, m, {
      language: m.loudness?.language ?? null,
      loudness_lufs: isNumber(m.loudness?.after?.integrated_lufs) ? m.loudness.after.integrated_lufs : null,
    }));
  }
  return rows;
}

// report.json's validation as {ok, errors, warnings, findings: [{rule, severity, where,
// message}]}, errors first; missing parts filled in (ok null when unknown).
export function validationSummary(report) {
  const v = report?.validation;
  const findings = (Array.isArray(v?.findings) ? v.findings : []).map((f) => ({
    rule: String(f?.rule ?? ''),
    severity: String(f?.severity ?? ''),
    where: String(f?.where ?? ''),
    message: String(f?.message ?? ''),
  }));
  const rank = (s) => (s === 'error' ? 0 : s === 'warning' ? 1 : 2);
  findings.sort((a, b) => rank(a.severity) - rank(b.severity));
  return {
    ok: typeof v?.ok === 'boolean' ? v.ok : null,
    errors: isNumber(v?.errors) ? v.errors : findings.filter((f) => f.severity === 'error').length,
    warnings: isNumber(v?.warnings) ? v.warnings : findings.filter((f) => f.severity === 'warning').length,
    findings,
  };
}

// ---- players ----

// The picture size Chromium reports for a rendition: HLS RESOLUTION as is (a display size); a
// DASH width x height widened by @sar when it is >= 1, else heightened.
export function expectedPictureSize({ width, height, sar }) {
  if (!width || !height) return { width: width || null, height: height || null };
  const match = /^(\d+):(\d+)$/.exec(sar ?? '');
  const ratio = match ? Number(match[1]) / Number(match[2]) : 1;
  if (!(ratio > 0) || ratio === 1) return { width, height };
  return ratio > 1
    ? { width: Math.round(width * ratio), height }
    : { width, height: Math.round(height / ratio) };
}

// Within one pixel: tools round a non-square sample aspect ratio differently.
export function sameSize(width, height, expected) {
  return expected?.width != null && expected?.height != null &&
    Math.abs(width - expected.width) <= 1 && Math.abs(height - expected.height) <= 1;
}

// The name of a rendition in the package from the player's id for it: the HLS media playlist
// path's folder ("h264_720p/playlist.m3u8" -> "h264_720p"), the DASH Representation id as is.
export function renditionName(id) {
  if (typeof id !== 'string') return '';
  const clean = id.split(/[?#]/, 1)[0];
  const parts = clean.split('/').filter((p) => p !== '');
  return parts.length > 1 ? parts[parts.length - 2] : clean;
}

// A rendition as offered in the switcher: "1280×720 · 2.45 Mbps · h264_720p".
export function renditionLabel(r) {
  const size = r.width && r.height ? `${r.width}\u00d7${r.height}` : 'unknown size';
  return [size, formatBitrate(r.bitrate), r.name].filter((x) => x && x !== DASH).join(' \u00b7 ');
}

// Largest first: height, then width, then bitrate.
export function largestFirst(a, b) {
  return (b.height ?? 0) - (a.height ?? 0) || (b.width ?? 0) - (a.width ?? 0) || (b.bitrate ?? 0) - (a.bitrate ?? 0);
}

// An API error answer's text: "CODE: message", else the HTTP status.
export function apiErrorText(status, body) {
  const e = body?.error;
  if (e && (e.code || e.message)) return [e.code, e.message].filter(Boolean).join(': ');
  return `HTTP ${status}`;
}
