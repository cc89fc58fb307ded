// The command-line shell shared by the browser checks (player-check/check.mjs,
// dashboard/dashboard-check.mjs): usage errors, a watchdog, JSON on stdout and exit codes
// (0 ok, 1 not ok, 2 a usage or launch error, one line on stderr).

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
