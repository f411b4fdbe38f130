#!/usr/bin/env node
// Entry of every npm script that runs project TypeScript (start, stop, test, token, migrate,
// seed, ...). Plain Node with no dependencies, because it runs before node_modules exists:
//
//   node scripts/bootstrap.mjs <start|stop|test> [args...]
//   node scripts/bootstrap.mjs run <file.ts> [args...]
//
// 1. Installs the dependencies when they are missing or older than package-lock.json
//    (`npm ci`; `npm install` when there is no lock file).
// 2. Runs the entry as `node --import tsx <entry> [args...]` with inherited stdio, forwards
//    SIGINT / SIGTERM / SIGHUP to it (and stays alive until it has exited, so Ctrl-C lets the
//    entry clean up; losing the parent process counts as SIGTERM), and exits with the
//    entry's exit code.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = { start: 'scripts/start.ts', stop: 'scripts/stop.ts', test: 'scripts/test.ts' };
const USAGE = 'usage: node scripts/bootstrap.mjs <start|stop|test> [args...] | run <file.ts> [args...]';

function fail(message, code = 64) {
  console.error(`[bootstrap] ${message}`);
  process.exit(code);
}

function resolveEntry([cmd, ...rest]) {
  if (cmd !== 'run') {
    if (!cmd || !Object.hasOwn(ENTRIES, cmd)) fail(USAGE);
    return { entry: path.join(root, ENTRIES[cmd]), args: rest };
  }
  const [file, ...args] = rest;
  if (!file) fail(USAGE);
  const found = [path.resolve(process.cwd(), file), path.resolve(root, file)].find((c) => fs.existsSync(c));
  if (!found) fail(`no such file: ${file}`, 66);
  return { entry: found, args };
}

const mtimeMs = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : null);

async function ensureDependencies() {
  const lockTime = mtimeMs(path.join(root, 'package-lock.json'));
  const installedTime = mtimeMs(path.join(root, 'node_modules', '.package-lock.json'));
  const haveTsx = fs.existsSync(path.join(root, 'node_modules', 'tsx', 'package.json'));
  const stale = installedTime === null || !haveTsx || (lockTime !== null && installedTime < lockTime);
  if (!stale) return;
  const verb = lockTime !== null ? 'ci' : 'install';
  const why = installedTime === null ? 'node_modules is missing' : !haveTsx ? 'tsx is not installed' : 'package-lock.json changed';
  console.error(`[bootstrap] ${why}: running npm ${verb} ...`);
  const started = Date.now();
  // The npm that runs us (npm_execpath under `npm run`), else `npm` from PATH.
  const execPath = process.env.npm_execpath;
  const [npm, pre] = execPath && /\.c?js$/.test(execPath) && fs.existsSync(execPath) ? [process.execPath, [execPath]] : ['npm', []];
  // npm's stdout goes to our stderr, so the stdout of `npm run token` & co. stays clean. Away
  // from a terminal npm prints nothing until it is done, so a heartbeat says it still works (the
  // same as heartbeat() of scripts/stack/proc.ts, which cannot be imported before tsx is there).
  const beat = setInterval(() => console.error(`[bootstrap] still running npm ${verb} … ${Math.round((Date.now() - started) / 1000)} s`), 15_000);
  const res = await new Promise((resolve) => {
    const child = spawn(npm, [...pre, verb, '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 2, 2] });
    child.once('error', (error) => resolve({ error }));
    child.once('exit', (status, signal) => resolve({ status, signal }));
  });
  clearInterval(beat);
  if (res.error) fail(`npm ${verb} could not start: ${res.error.message}`, 69);
  if (res.status !== 0) fail(`npm ${verb} failed (exit ${res.status ?? res.signal})`, res.status || 1);
  console.error(`[bootstrap] npm ${verb} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function main() {
  const { entry, args } = resolveEntry(process.argv.slice(2));
  await ensureDependencies();

  // Resolved from this file, not the cwd, so `run` works from any directory.
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), entry, ...args], { stdio: 'inherit' });

  // Ctrl-C reaches the child directly as well (same process group); forwarding covers `kill
  // <pid>` aimed at us alone. The entries treat repeated signals as one.
  const forward = (signal) => child.exitCode === null && child.signalCode === null && child.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);

  // `kill <npm pid>`: npm forwards the signal to its `sh -c`, which dies without passing it
  // on, leaving us orphaned. Treat losing the parent as SIGTERM so the entry still cleans up.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (parent > 1 && process.ppid !== parent) {
      clearInterval(watch);
      forward('SIGTERM');
    }
  }, 500);
  watch.unref();

  child.once('error', (e) => fail(`cannot run ${entry}: ${e.message}`, 70));
  child.once('exit', (code, signal) => {
    for (const s of signals) process.removeListener(s, forward);
    if (!signal) process.exit(code ?? 1);
    // Die the same way, so callers see the signal.
    process.kill(process.pid, signal);
    setTimeout(() => process.exit(128 + (os.constants.signals[signal] ?? 1)), 1000).unref();
  });
}

await main();
