#!/usr/bin/env node
// Plays an atp output package in headless Chromium with hls.js or dash.js and prints, as one JSON
// object on stdout, what the player did. See README.md for the CLI, the JSON fields and the exit
// codes (0 ok, 1 not ok, 2 usage or launch error).

import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium, loadChromium, positiveNumber, runMain, UsageError } from '../cli.mjs';
import { startServer } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// One npm project for web/ (package.json there): its node_modules serves the dashboard too.
const NODE_MODULES = path.join(HERE, '..', 'node_modules');
const PACKAGE_PREFIX = '/pkg/';
const PLAYER_PREFIX = '/player/';
const RENDITION_TIMEOUT_MS = 15_000; // per rendition, within the overall timeout
const RENDITION_PLAY_SECONDS = 1; // playback with a rendition's picture that counts as "shown"
const TEXT_TRACK_TIMEOUT_MS = 5_000; // per text track, for its cues at --at
const STEP_GRACE_MS = 5_000; // how long past its own timeout a page step may take before it is abandoned
const CLOSE_TIMEOUT_MS = 10_000;

const USAGE = `usage: node check.mjs --root DIR --manifest REL_PATH --player hls|dash
         [--play-seconds 2] [--timeout-seconds 60] [--screenshot FILE.png] [--at SECONDS]`;



// Parses and checks the command line; throws UsageError naming what to fix.
export function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        root: { type: 'string' },
        manifest: { type: 'string' },
        player: { type: 'string' },
        'play-seconds': { type: 'string', default: '2' },
        'timeout-seconds': { type: 'string', default: '60' },
        screenshot: { type: 'string' },
        at: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (values.help) throw new UsageError('');
  for (const name of ['root', 'manifest', 'player']) {
    if (!values[name]) throw new UsageError(`--${name} is required`);
  }
  if (!['hls', 'dash'].includes(values.player)) throw new UsageError(`--player must be hls or dash, got "${values.player}"`);
  const root = path.resolve(values.root);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`--root ${root} is not a directory`);
  const manifest = values.manifest.split(path.sep).join('/');
  if (path.isAbsolute(manifest) || manifest.split('/').includes('..')) {
    throw new UsageError(`--manifest must be a path inside --root, got "${values.manifest}"`);
  }
  const manifestPath = path.join(root, manifest);
  if (!existsSync(manifestPath) || !statSync(manifestPath).isFile()) {
    throw new UsageError(`manifest not found: ${manifestPath} (is --root the package folder?)`);
  }
  const screenshot = values.screenshot ? path.resolve(values.screenshot) : null;
  if (screenshot && !existsSync(path.dirname(screenshot))) {
    throw new UsageError(`--screenshot: folder ${path.dirname(screenshot)} does not exist`);
  }
  let at = null;
  if (values.at !== undefined) {
    at = Number(values.at);
    if (!Number.isFinite(at) || at < 0) throw new UsageError(`--at must be a number of seconds >= 0, got "${values.at}"`);
  }
  return {
    root,
    manifest,
    player: values.player,
    playSeconds: positiveNumber('play-seconds', values['play-seconds']),
    timeoutMs: positiveNumber('timeout-seconds', values['timeout-seconds']) * 1000,
    screenshot,
    at,
  };
}

// Files the page needs, from node_modules; throws UsageError when a dependency is missing.
function playerFiles() {
  const fromModules = (relative) => {
    const file = path.join(NODE_MODULES, relative);
    if (!existsSync(file)) throw new UsageError(`${file} is missing: run scripts/install-web-deps`);
    return file;
  };
  return {
    [`${PLAYER_PREFIX}index.html`]: path.join(HERE, 'index.html'),
    [`${PLAYER_PREFIX}page.js`]: path.join(HERE, 'page.js'),
    [`${PLAYER_PREFIX}hls.min.js`]: fromModules('hls.js/dist/hls.min.js'),
    // dashjs 5 ships its classic-script (UMD) bundle for current browsers under dist/modern/umd.
    [`${PLAYER_PREFIX}dash.all.min.js`]: fromModules('dashjs/dist/modern/umd/dash.all.min.js'),
  };
}


class StepTimeout extends Error {}

// Runs fn() (a promise-returning page step) but gives up budgetMs + STEP_GRACE_MS later.
async function step(name, budgetMs, fn) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout(`${name} did not finish in ${Math.round((budgetMs + STEP_GRACE_MS) / 1000)} s`)), budgetMs + STEP_GRACE_MS);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describeRendition(r) {
  const d = r.declared;
  return `${d.id} (${d.width}x${d.height})`;
}

// Lists why the run is not ok (the harness's own failures first); empty when it is.
export function failuresOf(result, playSeconds, harnessFailures = []) {
  const failures = [...harnessFailures];
  if (result.errors.length > 0) {
    const first = result.errors[0];
    failures.push(`${result.errors.length} fatal error(s), first: ${[first.source, first.details ?? first.code, first.message].filter((x) => x != null).join(' ')}`);
  }
  if (!(result.advanced_seconds >= playSeconds || (result.ended && result.advanced_seconds > 0))) {
    failures.push(`playback advanced ${result.advanced_seconds.toFixed(2)} s, not the ${playSeconds} s asked`);
  }
  for (const r of result.renditions) {
    if (r.ok) continue;
    const why = r.after_fatal_error
      ? 'a fatal error stopped playback'
      : !r.selected
        ? 'the player does not list it'
        : !r.size_matches
          ? `picture is ${r.video_width}x${r.video_height}, expected ${r.expected_width}x${r.expected_height}`
          : `played only ${r.advanced_seconds.toFixed(2)} s`;
    failures.push(`rendition ${describeRendition(r)} was not shown: ${why}`);
  }
  if (result.http_errors.length > 0) {
    const first = result.http_errors[0];
    failures.push(`${result.http_errors.length} package request(s) failed, first: ${first.status} ${first.path}`);
  }
  return failures;
}

// Orders renditions largest first (height, then width, then bitrate), a stable order for callers.
function largestFirst(a, b) {
  return (b.height ?? 0) - (a.height ?? 0) || (b.width ?? 0) - (a.width ?? 0) || (b.bitrate ?? 0) - (a.bitrate ?? 0);
}

// Drives the page through its steps, filling `result`; throws StepTimeout when out of time.
async function play(page, options, result, { origin, remainingMs, harnessFailures }) {
  const packageBase = `${origin}${PACKAGE_PREFIX}`;
  const url = `${packageBase}${options.manifest.split('/').map(encodeURIComponent).join('/')}`;
  await step('loading the player page', remainingMs(), () => page.goto(`${origin}${PLAYER_PREFIX}index.html`, { timeout: remainingMs() }));
  Object.assign(result, await step('attaching the player', remainingMs(), () =>
    page.evaluate((args) => window.playerCheck.attach(args), { player: options.player, url, packageBase })));

  const playback = await step('initial playback', remainingMs(), () =>
    page.evaluate((args) => window.playerCheck.waitForPlayback(args), { seconds: options.playSeconds, timeoutMs: remainingMs() }));
  Object.assign(result, playback);

  // Largest last, so that the picture left on screen (and in the screenshot) is the best one.
  const listed = await step('listing renditions', 0, () => page.evaluate(() => window.playerCheck.renditions()));
  const declared = listed.sort(largestFirst).reverse();
  if (declared.length === 0) harnessFailures.push('the player lists no video rendition');
  const shown = [];
  for (const rendition of declared) {
    const budget = Math.min(RENDITION_TIMEOUT_MS, remainingMs());
    if (budget <= 0) throw new StepTimeout(`no time left for rendition ${rendition.id}`);
    const measured = await step(`rendition ${rendition.id}`, budget, () =>
      page.evaluate((args) => window.playerCheck.showRendition(args), { id: rendition.id, timeoutMs: budget, playSeconds: RENDITION_PLAY_SECONDS }));
    shown.push({ declared: rendition, ...measured, ok: measured.selected && measured.size_matches && measured.played });
    result.renditions = [...shown].sort((a, b) => largestFirst(a.declared, b.declared));
  }

  result.audio_tracks = await step('audio tracks', remainingMs(), () => page.evaluate(() => window.playerCheck.audioTracks()));
  const textBudget = Math.min(TEXT_TRACK_TIMEOUT_MS, remainingMs());
  Object.assign(result, await step('text tracks', remainingMs(), () =>
    page.evaluate((args) => window.playerCheck.textTracks(args), { at: options.at, timeoutMs: textBudget })));

  if (options.screenshot) {
    // A paused picture: the same frame is captured however long the capture takes.
    await page.evaluate(() => document.querySelector('video').pause());
    await step('screenshot', remainingMs(), async () => writeFile(options.screenshot, await page.locator('video').screenshot({ timeout: remainingMs() })));
    result.screenshot = options.screenshot;
  }
}

// Runs the check; resolves to the result object (never rejects for a player problem).
export async function runCheck(options) {
  const files = playerFiles();
  const chromium = await loadChromium();
  const began = Date.now();
  const remainingMs = () => Math.max(0, options.timeoutMs - (Date.now() - began));
  const result = {
    player: options.player,
    manifest: options.manifest,
    ok: false,
    failures: [],
    errors: [],
    non_fatal_errors: [],
    http_errors: [],
    start_time: null,
    startup_seconds: null,
    advanced_seconds: 0,
    ended: false,
    duration: null,
    renditions: [],
    audio_tracks: [],
    text_tracks: [],
    player_text_tracks: [],
    at_time: null,
    user_agent: null,
    player_version: null,
    screenshot: null,
    elapsed_seconds: null,
  };
  const harnessFailures = [];

  const server = await startServer({
    mounts: { [PACKAGE_PREFIX]: options.root },
    files,
    onResponse: ({ path: urlPath, status }) => {
      if (status >= 400 && urlPath.startsWith(PACKAGE_PREFIX) && result.http_errors.length < 50) {
        result.http_errors.push({ status, path: urlPath.slice(PACKAGE_PREFIX.length) });
      }
    },
  });
  let browser = null;
  try {
    browser = await launchChromium(chromium, Math.min(30_000, remainingMs()));
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
    page.on('pageerror', (error) => {
      if (result.non_fatal_errors.length < 50) result.non_fatal_errors.push({ source: 'page', message: error.message });
    });
    try {
      await play(page, options, result, { origin: server.origin, remainingMs, harnessFailures });
    } catch (error) {
      if (error instanceof UsageError) throw error;
      harnessFailures.push(error instanceof StepTimeout ? `timeout: ${error.message}` : `harness: ${error.message.split('\n')[0]}`);
    }
    try {
      const collected = await step('collecting errors', 0, () => page.evaluate(() => window.playerCheck.errors()));
      result.errors = collected.errors;
      result.non_fatal_errors = [...collected.non_fatal_errors, ...result.non_fatal_errors];
    } catch (error) {
      harnessFailures.push(`could not collect the player's errors: ${error.message.split('\n')[0]}`);
    }
  } finally {
    await Promise.race([
      Promise.allSettled([browser?.close(), server.close()]),
      new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref()),
    ]);
  }
  result.failures = failuresOf(result, options.playSeconds, harnessFailures);
  result.ok = result.failures.length === 0;
  result.elapsed_seconds = (Date.now() - began) / 1000;
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runMain({ name: 'player-check', usage: USAGE, parseOptions, runCheck });
}
