#!/usr/bin/env node
// Opens the dashboard of a running `atp serve` in headless Chromium, finds a job in the list,
// opens its page, waits for it to reach the expected state, reads the step timeline, the ladder
// and the validator findings, then plays the package with hls.js and with dash.js, locking the
// player to every video rendition in turn, and prints as one JSON object on stdout what it saw.
// See README.md for the CLI, the JSON fields and the exit codes (0 ok, 1 not ok, 2 usage or
// launch error).

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium, loadChromium, positiveNumber, runMain, UsageError } from '../cli.mjs';

const PLAYERS = ['hls', 'dash'];
const STATES = ['RUNNING', 'COMPLETE', 'FAILED', 'CANCELLED'];
const RENDITION_TIMEOUT_MS = 15_000; // per rendition, within the overall timeout
const RENDITION_PLAY_SECONDS = 1; // playback with a rendition's picture that counts as "shown"
const DASHBOARD_LOAD_TIMEOUT_MS = 30_000; // from --url to the job list shown
const POLL_MS = 50;
const CLOSE_TIMEOUT_MS = 10_000;
const MAX_RECORDED = 50;

const USAGE = `usage: node dashboard-check.mjs --url URL --job JOB_ID
         [--expect-state COMPLETE] [--players hls,dash] [--play-seconds 2]
         [--timeout-seconds 120] [--screenshot-prefix PATH]`;

export { UsageError };


// Parses and checks the command line; throws UsageError naming what to fix.
export function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        job: { type: 'string' },
        'expect-state': { type: 'string', default: 'COMPLETE' },
        players: { type: 'string', default: 'hls,dash' },
        'play-seconds': { type: 'string', default: '2' },
        'timeout-seconds': { type: 'string', default: '120' },
        'screenshot-prefix': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (values.help) throw new UsageError('');
  for (const name of ['url', 'job']) {
    if (!values[name]) throw new UsageError(`--${name} is required`);
  }
  let url;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError(`--url must be an http URL, got "${values.url}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be an http URL, got "${values.url}"`);
  if (!STATES.includes(values['expect-state'])) {
    throw new UsageError(`--expect-state must be one of ${STATES.join(', ')}, got "${values['expect-state']}"`);
  }
  const players = values.players === '' ? [] : values.players.split(',').map((p) => p.trim());
  for (const p of players) {
    if (!PLAYERS.includes(p)) throw new UsageError(`--players lists hls and/or dash (comma-separated, or empty), got "${values.players}"`);
  }
  if (new Set(players).size !== players.length) throw new UsageError(`--players names a player twice: "${values.players}"`);
  if (players.length > 0 && values['expect-state'] !== 'COMPLETE') {
    throw new UsageError('only a COMPLETE job has a package to play: pass --players "" with another --expect-state');
  }
  const prefix = values['screenshot-prefix'] ? path.resolve(values['screenshot-prefix']) : null;
  if (prefix && !(existsSync(path.dirname(prefix)) && statSync(path.dirname(prefix)).isDirectory())) {
    throw new UsageError(`--screenshot-prefix: folder ${path.dirname(prefix)} does not exist`);
  }
  return {
    url: url.href,
    job: values.job,
    expectState: values['expect-state'],
    players,
    playSeconds: positiveNumber('play-seconds', values['play-seconds']),
    timeoutMs: positiveNumber('timeout-seconds', values['timeout-seconds']) * 1000,
    screenshotPrefix: prefix,
  };
}


class StepTimeout extends Error {}

// Lists why the run is not ok (the harness's own failures first); empty when it is.
export function failuresOf(result, options, harnessFailures = []) {
  const failures = [...harnessFailures];
  if (!result.list.found) {
    failures.push(`job ${options.job} is not in the job list${result.list.problem ? ` (the page says: ${result.list.problem})` : ''}`);
  }
  if (result.job.state !== options.expectState) {
    failures.push(`job ${options.job} is ${result.job.state ?? 'not shown'}, expected ${options.expectState}${result.job.problem ? ` (the page says: ${result.job.problem})` : ''}`);
  }
  if (result.job.state != null && result.job.timeline.length === 0) failures.push('the step timeline is empty');
  if (result.job.timeline_rows !== result.job.timeline.length) {
    failures.push(`the step table has ${result.job.timeline_rows} rows for ${result.job.timeline.length} steps`);
  }
  if (options.expectState === 'COMPLETE' && result.job.state === 'COMPLETE') {
    if (result.job.report !== 'loaded') failures.push('the report was not shown');
    const video = result.job.ladder.filter((r) => r.kind === 'video');
    if (video.length === 0) failures.push('the ladder lists no video rendition');
    for (const r of video) {
      if (!(r.average_bps > 0)) failures.push(`ladder rendition ${r.name} has no measured bitrate`);
    }
    if (result.job.ladder_rows !== result.job.ladder.length) {
      failures.push(`the ladder tables have ${result.job.ladder_rows} rows for ${result.job.ladder.length} renditions`);
    }
    if (result.job.validation && result.job.findings_rows !== result.job.validation.findings.length) {
      failures.push(`the findings table has ${result.job.findings_rows} rows for ${result.job.validation.findings.length} findings`);
    }
  }
  for (const p of result.players) {
    const name = p.player === 'hls' ? 'HLS' : 'DASH';
    if (!p.available) {
      failures.push(`${name}: the dashboard offers no ${p.player === 'hls' ? 'master.m3u8' : 'manifest.mpd'} for this job`);
      continue;
    }
    if (p.errors.length > 0) {
      const first = p.errors[0];
      failures.push(`${name}: ${p.errors.length} fatal player error(s), first: ${[first.source, first.details ?? first.code, first.message].filter((x) => x != null).join(' ')}`);
    }
    if (!(p.advanced_seconds >= options.playSeconds || (p.ended && p.advanced_seconds > 0))) {
      failures.push(`${name}: playback advanced ${p.advanced_seconds.toFixed(2)} s, not the ${options.playSeconds} s asked`);
    }
    if (p.renditions.length === 0) failures.push(`${name}: the rendition switcher lists no video rendition`);
    for (const r of p.renditions) {
      if (r.ok) continue;
      const why = !r.selected
        ? 'the switcher did not select it'
        : !r.size_matches
          ? `picture is ${r.video_width}x${r.video_height}, expected ${r.expected_width}x${r.expected_height}`
          : !r.played
            ? `played only ${r.advanced_seconds.toFixed(2)} s`
            : `the page shows "${r.ui_decoded}" as the decoded size`;
      failures.push(`${name}: rendition ${r.name} (${r.width}x${r.height}) was not shown: ${why}`);
    }
  }
  if (result.page_errors.length > 0) failures.push(`${result.page_errors.length} page error(s), first: ${result.page_errors[0].message}`);
  if (result.api_errors.length > 0) {
    const first = result.api_errors[0];
    failures.push(`${result.api_errors.length} failed API call(s), first: ${first.status} ${first.path} ${first.message ?? ''}`.trim());
  }
  if (result.http_errors.length > 0) {
    const first = result.http_errors[0];
    failures.push(`${result.http_errors.length} package request(s) failed, first: ${first.status} ${first.path}`);
  }
  return failures;
}

// Waits in the page until predicate(arg) (a function evaluated there) is truthy; returns its
// value, or throws StepTimeout naming `what`.
async function waitInPage(page, what, timeoutMs, predicate, arg) {
  try {
    const handle = await page.waitForFunction(predicate, arg, { timeout: Math.max(1, timeoutMs), polling: 100 });
    return await handle.jsonValue();
  } catch (error) {
    if (error.name === 'TimeoutError') throw new StepTimeout(`${what} (waited ${Math.round(timeoutMs / 1000)} s)`);
    throw error;
  }
}

async function screenshot(page, options, suffix, result) {
  if (!options.screenshotPrefix) return null;
  const file = `${options.screenshotPrefix}.${suffix}.png`;
  await page.screenshot({ path: file, fullPage: true, timeout: 30_000 });
  result.screenshots.push(file);
  return file;
}

// The list: the dashboard at --url, the job's row in it.
async function checkList(page, options, result, remainingMs) {
  await page.goto(options.url, { timeout: remainingMs(), waitUntil: 'load' });
  result.landed_url = page.url();
  await waitInPage(page, 'the dashboard did not load (window.atpDashboard)', Math.min(DASHBOARD_LOAD_TIMEOUT_MS, remainingMs()),
    () => window.atpDashboard?.ready?.() === true && window.atpDashboard.route().view === 'jobs');
  const jobs = await page.evaluate(() => window.atpDashboard.jobs());
  const row = jobs.find((j) => j.job_id === options.job);
  const problem = await page.evaluate(() => window.atpDashboard.problem());
  result.list = { found: Boolean(row), state: row?.state ?? null, jobs_listed: jobs.length, problem };
  await screenshot(page, options, 'list', result);
  return Boolean(row);
}

// The job page, opened from the list (or by its address when the list lacks it), until the job
// has the expected state and what the page shows for it is loaded.
async function checkJob(page, options, result, remainingMs, fromList) {
  if (fromList) {
    const link = await page.evaluateHandle((id) => document.querySelector(`table.jobs tr[data-job-id="${CSS.escape(id)}"] a`), options.job);
    await link.asElement().click({ timeout: remainingMs() });
  } else {
    await page.evaluate((hash) => { location.hash = hash; }, `#/jobs/${encodeURIComponent(options.job)}`);
  }
  await waitInPage(page, `the page of job ${options.job} did not load`, remainingMs(),
    (id) => window.atpDashboard.route().view === 'job' && window.atpDashboard.route().id === id && window.atpDashboard.ready(), options.job);
  const snapshot = () => page.evaluate(() => window.atpDashboard.view());
  try {
    // Until the job has the expected state (or ended in another), and for a COMPLETE job until
    // the report and the player are set up.
    await waitInPage(page, `job ${options.job} did not become ${options.expectState}`, remainingMs(), (expect) => {
      const v = window.atpDashboard.view();
      if (v?.not_found) return true;
      const state = v?.job?.state;
      if (state !== expect) return state != null && state !== 'RUNNING';
      if (expect !== 'COMPLETE') return true;
      return v.report !== 'waiting' && (v.formats != null || v.package == null);
    }, options.expectState);
  } finally {
    const v = await snapshot();
    const counts = await page.evaluate(() => ({
      timeline_rows: document.querySelectorAll('table.timeline tbody tr[data-step]').length,
      ladder_rows: document.querySelectorAll('table.ladder tbody tr').length,
      findings_rows: document.querySelectorAll('table.findings tbody tr').length,
    }));
    const steps = (v?.timeline ?? []).flatMap((run) => run.steps.map((s) => ({ run: run.run, ...s })));
    result.job = {
      problem: v?.problem ?? null,
      state: v?.job?.state ?? null,
      run: v?.job?.run ?? null,
      step: v?.job?.step ?? null,
      error: v?.job?.error ?? null,
      package: v?.package?.base ?? null,
      report: v?.report ?? null,
      timeline: steps,
      timeline_rows: counts.timeline_rows,
      ladder: (v?.ladder ?? []).map((r) => ({
        name: r.name, kind: r.kind, width: r.width, height: r.height, codecs: r.codecs,
        declared_bps: r.declared_bps, maxrate_bps: r.maxrate_bps, average_bps: r.average_bps, peak_bps: r.peak_bps,
      })),
      ladder_rows: counts.ladder_rows,
      validation: v?.validation ?? null,
      findings_rows: counts.findings_rows,
      formats: v?.formats ?? null,
    };
  }
}

// Plays with `kind` from the page's format button, then locks each rendition from the switcher.
async function checkPlayer(page, kind, options, entry, result, remainingMs) {
  const formats = await page.evaluate(() => window.atpDashboard.view()?.formats);
  entry.available = Boolean(formats?.[kind]);
  if (!entry.available) return;
  const button = page.getByRole('button', { name: kind === 'hls' ? /^HLS/ : /^DASH/ });
  const clickedAt = Date.now();
  await button.click({ timeout: remainingMs() });
  await waitInPage(page, `the ${kind} player did not load its manifest`, remainingMs(),
    (k) => { const s = window.atpDashboard.player(); return s?.kind === k && s.status !== 'loading'; }, kind);

  // Initial playback, ABR on.
  const playback = await page.evaluate(async ({ seconds, timeoutMs, pollMs }) => {
    const d = window.atpDashboard;
    const deadline = performance.now() + timeoutMs;
    let advanced = 0;
    let last = null;
    let startedAt = null;
    while (performance.now() < deadline && d.player().errors.length === 0) {
      const now = d.currentTime();
      if (last != null && now > last && now - last <= 0.5) {
        advanced += now - last;
        startedAt ??= Date.now();
      }
      last = now;
      const s = d.player();
      if (advanced >= seconds || (s.ended && advanced > 0)) break;
      await new Promise((r) => setTimeout(r, pollMs));
    }
    const s = d.player();
    return {
      advanced_seconds: advanced,
      started_at: startedAt,
      ended: s.ended,
      duration: s.duration,
      version: s.version,
    };
  }, { seconds: options.playSeconds, timeoutMs: remainingMs(), pollMs: POLL_MS });
  Object.assign(entry, {
    version: playback.version,
    advanced_seconds: playback.advanced_seconds,
    // From the click on the format button to playback advancing.
    startup_seconds: playback.started_at == null ? null : (playback.started_at - clickedAt) / 1000,
    ended: playback.ended,
    duration: playback.duration,
  });

  // Each rendition, smallest first, so that the largest stays on screen for the screenshot.
  const renditions = (await page.evaluate(() => window.atpDashboard.renditions())).reverse();
  for (const r of renditions) {
    const budget = Math.min(RENDITION_TIMEOUT_MS, remainingMs());
    if (budget <= 0) throw new StepTimeout(`no time left for ${kind} rendition ${r.name}`);
    const began = Date.now();
    const selectedValues = await page.selectOption('#rendition', String(r.index), { timeout: budget });
    const measured = await page.evaluate(async ({ index, timeoutMs, playSeconds, pollMs }) => {
      const d = window.atpDashboard;
      const r = d.renditions()[index];
      const expected = r.expected;
      const same = (w, h) => expected.width != null && Math.abs(w - expected.width) <= 1 && Math.abs(h - expected.height) <= 1;
      const deadline = performance.now() + timeoutMs;
      let last = d.currentTime();
      let advanced = 0;
      let advancedShown = 0;
      while (performance.now() < deadline && d.player().errors.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        const s = d.player();
        const step = s.current_time - last;
        last = s.current_time;
        const playing = step > 0 && step <= 0.5;
        const shown = same(s.video_width, s.video_height);
        if (playing) {
          advanced += step;
          if (shown) advancedShown += step;
        }
        if (advancedShown >= playSeconds) break;
        if (s.ended) {
          d.seek(0);
          last = 0;
        }
      }
      const s = d.player();
      return {
        selected: s.selected === index,
        expected_width: expected.width,
        expected_height: expected.height,
        video_width: s.video_width,
        video_height: s.video_height,
        size_matches: same(s.video_width, s.video_height),
        played: advancedShown >= playSeconds,
        advanced_seconds: advanced,
        rendered: s.rendered,
        ui_decoded: document.getElementById('decoded')?.textContent ?? null,
        after_fatal_error: s.errors.length > 0,
      };
    }, { index: r.index, timeoutMs: budget, playSeconds: RENDITION_PLAY_SECONDS, pollMs: POLL_MS });
    const uiMatches = measured.ui_decoded === `${measured.video_width}\u00d7${measured.video_height}`;
    entry.renditions.push({
      index: r.index,
      id: r.id,
      name: r.name,
      width: r.width,
      height: r.height,
      bitrate: r.bitrate,
      sar: r.sar,
      ...measured,
      selected: measured.selected && selectedValues.includes(String(r.index)),
      ui_matches: uiMatches,
      wait_seconds: (Date.now() - began) / 1000,
      ok: measured.selected && measured.size_matches && measured.played && uiMatches,
    });
  }
  entry.renditions.sort((a, b) => (b.height ?? 0) - (a.height ?? 0) || (b.width ?? 0) - (a.width ?? 0) || (b.bitrate ?? 0) - (a.bitrate ?? 0));

  const errors = await page.evaluate(() => window.atpDashboard.errors());
  entry.errors = errors.player;
  entry.non_fatal_errors = errors.player_recovered;
  await page.evaluate(() => window.atpDashboard.player() && document.querySelector('.player video')?.pause());
  entry.screenshot = await screenshot(page, options, kind, result);
}

// Runs the check; resolves to the result object (never rejects for a dashboard problem).
export async function runCheck(options) {
  const chromium = await loadChromium();
  const began = Date.now();
  const remainingMs = () => Math.max(0, options.timeoutMs - (Date.now() - began));
  const result = {
    ok: false,
    failures: [],
    url: options.url,
    landed_url: null,
    job_id: options.job,
    expect_state: options.expectState,
    list: { found: false, state: null, jobs_listed: 0, problem: null },
    job: { problem: null, state: null, run: null, step: null, error: null, package: null, report: null, timeline: [], timeline_rows: 0, ladder: [], ladder_rows: 0, validation: null, findings_rows: 0, formats: null },
    players: [],
    page_errors: [],
    api_errors: [],
    http_errors: [],
    console_errors: [],
    screenshots: [],
    user_agent: null,
    elapsed_seconds: null,
  };
  const harnessFailures = [];
  let browser = null;
  try {
    browser = await launchChromium(chromium, Math.min(30_000, remainingMs()));
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    page.on('dialog', (dialog) => dialog.dismiss().catch(() => {}));
    page.on('pageerror', (error) => {
      if (result.page_errors.length < MAX_RECORDED) result.page_errors.push({ message: error.message });
    });
    page.on('console', (message) => {
      if (message.type() === 'error' && result.console_errors.length < MAX_RECORDED) result.console_errors.push(message.text());
    });
    page.on('response', (response) => {
      const request = response.request();
      const url = new URL(response.url());
      if (response.status() >= 400 && url.pathname.startsWith('/out/') && request.method() !== 'HEAD' && result.http_errors.length < MAX_RECORDED) {
        result.http_errors.push({ status: response.status(), path: url.pathname });
      }
    });
    result.user_agent = await browser.version();
    try {
      const found = await checkList(page, options, result, remainingMs);
      await checkJob(page, options, result, remainingMs, found);
      // Players only for a job that completed (otherwise its state is the failure to report).
      for (const kind of result.job.state === 'COMPLETE' ? options.players : []) {
        const entry = {
          player: kind,
          available: false,
          version: null,
          advanced_seconds: 0,
          startup_seconds: null,
          ended: false,
          duration: null,
          renditions: [],
          errors: [],
          non_fatal_errors: [],
          screenshot: null,
        };
        result.players.push(entry);
        await checkPlayer(page, kind, options, entry, result, remainingMs);
      }
    } catch (error) {
      if (error instanceof UsageError) throw error;
      harnessFailures.push(error instanceof StepTimeout ? `timeout: ${error.message}` : `harness: ${error.message.split('\n')[0]}`);
    }
    try {
      const errors = await page.evaluate(() => window.atpDashboard?.errors() ?? { page: [], api: [] });
      for (const e of errors.page) if (result.page_errors.length < MAX_RECORDED) result.page_errors.push(e);
      result.api_errors = errors.api;
      // A player cut short (a timeout) still reports its errors.
      const last = result.players[result.players.length - 1];
      if (last && last.errors.length === 0 && errors.player?.length) last.errors = errors.player;
    } catch (error) {
      harnessFailures.push(`could not collect the page's errors: ${error.message.split('\n')[0]}`);
    }
  } finally {
    await Promise.race([
      Promise.allSettled([browser?.close()]),
      new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref()),
    ]);
  }
  result.failures = failuresOf(result, options, harnessFailures);
  result.ok = result.failures.length === 0;
  result.elapsed_seconds = (Date.now() - began) / 1000;
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runMain({ name: 'dashboard-check', usage: USAGE, parseOptions, runCheck });
}
