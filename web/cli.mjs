// What the browser checks (player-check/check.mjs, dashboard/dashboard-check.mjs) share: the
// command-line shell (usage errors, a watchdog, JSON on stdout and exit codes: 0 ok, 1 not ok,
// 2 a usage or launch error, one line on stderr) and Debian's Chromium through playwright-core.
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

// A problem with how the check was called or with this machine (not with what it checks).
export class UsageError extends Error {}

// Parses the command line with `parseOptions`, runs `runCheck(options)` and prints its result
// as JSON; the exit code. `options.timeoutMs` bounds the run, with 30 s more for the browser
// to close.
export async function runMain({ name, usage, parseOptions, runCheck }) {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(error.message ? `${name}: ${error.message}\n${usage}\n` : `${usage}\n`);
    return 2;
  }
  // Last resort if closing the browser itself hangs: the run never outlives its timeout by much.
  const watchdog = setTimeout(() => {
    process.stderr.write(`${name}: still running ${(options.timeoutMs + 30_000) / 1000} s after start, giving up\n`);
    process.exit(1);
  }, options.timeoutMs + 30_000);
  watchdog.unref();
  try {
    const result = await runCheck(options);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    return 2;
  } finally {
    clearTimeout(watchdog);
  }
}

// `text` as a number > 0 for option --`name`; UsageError otherwise.
export function positiveNumber(name, text) {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number, got "${text}"`);
  return value;
}

// playwright-core's chromium; UsageError naming the install script when it or Debian's
// Chromium is missing.
export async function loadChromium() {
  if (!existsSync(CHROMIUM)) throw new UsageError(`chromium not found at ${CHROMIUM}: run scripts/install-deps`);
  try {
    return (await import('playwright-core')).chromium;
  } catch {
    throw new UsageError('playwright-core is not installed in web/node_modules: run scripts/install-web-deps');
  }
}

// Headless Chromium (from loadChromium) with autoplay and muted audio, launched within
// `timeoutMs`; UsageError when it does not start.
export async function launchChromium(chromium, timeoutMs) {
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
      timeout: timeoutMs,
    });
  } catch (error) {
    throw new UsageError(`could not launch ${CHROMIUM} (does \`${CHROMIUM} --headless --version\` work? scripts/install-deps installs it): ${error.message.split('\n')[0]}`);
  }
}
