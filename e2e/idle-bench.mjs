// Issue 11, "cheap when idle": what ScimDesk costs while nothing happens, after Entra has
// provisioned 150 users, measured from /proc with the release build. Run it inside headless.sh
// (Xvfb, private session bus, gnome-keyring), or through scripts/bench-idle.sh, which builds the
// release app and CLI first:
//
//   SCIMDESK_APP_BINARY=../target/release/scimdesk-app SCIMDESK_CLI_BINARY=../target/release/scimdesk \
//     ./headless.sh node idle-bench.mjs [--idle-seconds 300] [--cycles 10] [--only tray,service,window,memory]
//
// Phases (each starts its own app, or CLI server, on a fresh data folder, on 127.0.0.1):
//   tray     the app, a source created in the window, one Entra cycle of 150 users, then the window
//            closed as a window manager closes it (WM_DELETE_WINDOW; the webview is destroyed, the
//            app serves from the tray of a stand-in tray host): PSS and CPU of the app and every
//            process under it over the idle span.
//   service  `scimdesk serve` alone on a data folder after one cycle: PSS and CPU over the span.
//   window   the window open on the source's Activity tab, then on its Users tab, after one cycle
//            run while watching Activity: CPU over the span, for each tab.
//   memory   the window open on the Activity tab while ten cycles run: the WebKitWebProcess's RSS
//            a moment after each cycle and once it has settled, and the ratio of the last to the
//            first.
//
// Prints one row per figure with PASS/FAIL against issue 11's targets. Exit status: 0 when every
// phase ran, 2 when one could not (a missed target does not change it, as in scimdesk-bench).

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDesktopServices } from './desktop-bus.mjs';
import { entraCycle } from './entra.mjs';
import { closeWindow } from './x11.mjs';
import { APP, byTestId, clickWhenReady, createSourceInWindow, freePort, launchApp, waitForText } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = process.env.SCIMDESK_CLI_BINARY ?? path.join(here, '..', 'target', 'release', 'scimdesk');
const TICKS = 100; // USER_HZ
const MB = 1e6;
const MIB = 1024 * 1024;

const USAGE = `usage: node idle-bench.mjs [options]   (inside e2e/headless.sh)
  --idle-seconds S   length of each idle span (default 300, the issue's 5 minutes)
  --settle-seconds S wait after a cycle, or after the window closed, before measuring (default 15)
  --cycles N         cycles of the memory phase (default 10)
  --users N          users per cycle (default 150)
  --only LIST        phases to run, comma-separated: tray,service,window,memory (default all)
  --memory-tab TAB   the source's tab open during the memory phase: activity (default), users, overview
  --json FILE        also write the results as JSON
binaries: SCIMDESK_APP_BINARY (default target/debug/scimdesk-app: give the release one),
          SCIMDESK_CLI_BINARY (default target/release/scimdesk), TAURI_DRIVER`;

function parseArgs(argv) {
  const opts = { idleSeconds: 300, settleSeconds: 15, cycles: 10, users: 150, only: ['tray', 'service', 'window', 'memory'], memoryTab: 'activity', json: null };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value\n${USAGE}`);
      return argv[++i];
    };
    const number = () => {
      const n = Number(value());
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${argv[i - 1]} needs a positive number`);
      return n;
    };
    switch (argv[i]) {
      case '--idle-seconds': opts.idleSeconds = number(); break;
      case '--settle-seconds': opts.settleSeconds = number(); break;
      case '--cycles': opts.cycles = Math.round(number()); break;
      case '--users': opts.users = Math.round(number()); break;
      case '--only': opts.only = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--memory-tab': opts.memoryTab = value(); break;
      case '--json': opts.json = value(); break;
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    }
  }
  for (const p of opts.only) if (!['tray', 'service', 'window', 'memory'].includes(p)) throw new Error(`unknown phase ${p}\n${USAGE}`);
  if (!['activity', 'users', 'overview'].includes(opts.memoryTab)) throw new Error(`unknown tab ${opts.memoryTab}\n${USAGE}`);
  return opts;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ---------------------------------------------------------------------------------------------
// /proc

function read(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null; // the process ended while we looked
  }
}

/** pid -> { ppid, comm, ticks (utime + stime) } for every process on the machine. */
function processTable() {
  const table = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = read(`/proc/${d}/stat`);
    if (!stat) continue;
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    table.set(Number(d), { comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  return table;
}

/** `root` and every process below it. */
function tree(root, table = processTable()) {
  const pids = table.has(root) ? [root] : [];
  for (let i = 0; i < pids.length; i++) for (const [pid, p] of table) if (p.ppid === pids[i]) pids.push(pid);
  return pids.map((pid) => ({ pid, ...table.get(pid) }));
}

/** Proportional set size of `pid` in bytes (null when it is gone). A page shared with other
 *  processes counts in part, so other WebKit processes on the machine lower it a little. */
function pss(pid) {
  return memory(pid)?.pss ?? null;
}

/** PSS and USS (pages no other process maps) of `pid` in bytes, from smaps_rollup. */
function memory(pid) {
  const text = read(`/proc/${pid}/smaps_rollup`) ?? '';
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  const p = kb('Pss');
  return Number.isNaN(p) ? null : { pss: p, uss: kb('Private_Clean') + kb('Private_Dirty') };
}

function rss(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) * 1024 : null;
}

/** The app process started on `dataDir` (other apps may run on this machine). */
function appPid(dataDir) {
  for (const [pid, p] of processTable()) {
    if (p.comm.startsWith('scimdesk-app') && (read(`/proc/${pid}/environ`) ?? '').includes(`SCIMDESK_DATA_DIR=${dataDir}\0`)) return pid;
  }
  throw new Error(`no scimdesk-app runs on ${dataDir}`);
}

/**
 * CPU and PSS of `root` and everything below it over `seconds` of nothing happening. The tree is
 * read every 5 s, so a process that starts during the span counts from its start and one that
 * ends counts until its last reading; PSS is summed over the tree at every reading.
 */
async function observeIdle(root, seconds) {
  const seen = new Map(); // pid -> { comm, first, last }
  const pssTotals = [];
  const ussTotals = [];
  let pssByComm = {};
  const sample = (initial) => {
    const table = processTable();
    const procs = tree(root, table);
    let total = 0;
    let private_ = 0;
    const byComm = {};
    for (const p of procs) {
      const s = seen.get(p.pid);
      if (s) s.last = p.ticks;
      else seen.set(p.pid, { comm: p.comm, first: initial ? p.ticks : 0, last: p.ticks });
      const m = memory(p.pid) ?? { pss: 0, uss: 0 };
      total += m.pss;
      private_ += m.uss;
      byComm[p.comm] = (byComm[p.comm] ?? 0) + m.pss;
    }
    pssTotals.push(total);
    ussTotals.push(private_);
    pssByComm = byComm;
    return procs.length;
  };
  const start = process.hrtime.bigint();
  if (sample(true) === 0) throw new Error(`process ${root} is gone`);
  const end = start + BigInt(Math.round(seconds * 1e9));
  for (;;) {
    const left = Number(end - process.hrtime.bigint()) / 1e6;
    if (left <= 0) break;
    await sleep(Math.min(5000, left));
    sample(false);
  }
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuByComm = {};
  let ticks = 0;
  for (const s of seen.values()) {
    ticks += s.last - s.first;
    cpuByComm[s.comm] = (cpuByComm[s.comm] ?? 0) + (s.last - s.first);
  }
  const pct = (t) => (100 * t) / TICKS / wall;
  return {
    seconds: wall,
    cpuPercent: pct(ticks),
    cpuByProcess: Object.fromEntries(Object.entries(cpuByComm).map(([c, t]) => [c, pct(t)])),
    pssMax: Math.max(...pssTotals),
    pssMean: pssTotals.reduce((a, b) => a + b, 0) / pssTotals.length,
    pssByProcess: pssByComm,
    pssSeries: pssTotals,
    ussMax: Math.max(...ussTotals),
    processes: [...seen.values()].map((s) => s.comm),
  };
}

// ---------------------------------------------------------------------------------------------
// The app and the CLI

async function eventually(check, message, timeout = 30000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(message);
}

const pageProcesses = (root) => tree(root).filter((p) => p.comm.startsWith('WebKitWebProces'));

/** The app under tauri-driver with a source created in its window and its token; on the Activity tab if asked. */
async function appWithSource({ tab }) {
  const app = await launchApp();
  try {
    const { browser } = app;
    await waitForText(browser, 'status-listening', (t) => t === `Listening on ${app.bind}`, 30000);
    const slug = await createSourceInWindow(browser, 'Bench');
    const token = await waitForText(browser, 'issued-token', (t) => t.startsWith('scimdesk_'));
    await clickWhenReady(browser, '[data-testid="issued-done"]');
    if (tab !== 'overview') await openTab(browser, tab);
    return { app, pid: appPid(app.dataDir), baseUrl: `http://${app.bind}/source/scim/${slug}/v2`, token };
  } catch (err) {
    await app.stop();
    throw err;
  }
}

async function openTab(browser, tab) {
  await clickWhenReady(browser, `[data-testid="tab-${tab}"]`);
  await byTestId(browser, { activity: 'provisioning-state', users: 'user-search' }[tab]);
}

async function cycle(baseUrl, token, users, n) {
  const started = Date.now();
  const { sent, problems } = await entraCycle(baseUrl, token, { users, cycle: n });
  if (problems.length) throw new Error(`cycle ${n}: ${problems.length} unexpected answers, first: ${problems[0]}`);
  log(`cycle ${n}: ${sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------
// Phases

async function trayPhase(opts, results) {
  const desktop = await startDesktopServices();
  let app;
  try {
    const s = await appWithSource({ tab: 'overview' });
    app = s.app;
    await cycle(s.baseUrl, s.token, opts.users, 1);
    await closeWindow();
    await eventually(() => pageProcesses(s.pid).length === 0, 'the closed window\'s page process still runs');
    log(`window closed, page process gone; settling ${opts.settleSeconds} s, then idle ${opts.idleSeconds} s`);
    await sleep(opts.settleSeconds * 1000);
    const idle = await observeIdle(s.pid, opts.idleSeconds);
    results.push({ phase: 'tray', ...idle });
  } finally {
    await app?.stop();
    desktop.stop();
  }
}

async function servicePhase(opts, results) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'scimdesk-idle-'));
  const env = { ...process.env, SCIMDESK_DATA_DIR: dataDir };
  let server;
  try {
    const created = execFileSync(CLI, ['source', 'create', 'Bench', '--slug', 'bench'], { env, timeout: 30000 }).toString();
    const token = created.split('\n').find((l) => l.startsWith('scimdesk_'));
    if (!token) throw new Error(`no token in the output of scimdesk source create:\n${created}`);
    const bind = `127.0.0.1:${await freePort()}`;
    server = spawn(CLI, ['serve', '--bind', bind, '--log', 'warn'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const baseUrl = `http://${bind}/source/scim/bench/v2`;
    await eventually(async () => {
      try {
        await fetch(`${baseUrl}/ServiceProviderConfig`);
        return true;
      } catch {
        return false;
      }
    }, `scimdesk serve does not answer on ${bind}`);
    await cycle(baseUrl, token, opts.users, 1);
    log(`settling ${opts.settleSeconds} s, then idle ${opts.idleSeconds} s`);
    await sleep(opts.settleSeconds * 1000);
    results.push({ phase: 'service', ...(await observeIdle(server.pid, opts.idleSeconds)) });
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, sleep(10000)]);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function windowPhase(opts, results) {
  const desktop = await startDesktopServices();
  let app;
  try {
    const s = await appWithSource({ tab: 'activity' });
    app = s.app;
    await cycle(s.baseUrl, s.token, opts.users, 1);
    log(`Activity tab: settling ${opts.settleSeconds} s, then idle ${opts.idleSeconds} s`);
    await sleep(opts.settleSeconds * 1000);
    results.push({ phase: 'window-activity', ...(await observeIdle(s.pid, opts.idleSeconds)) });
    await openTab(app.browser, 'users');
    await byTestId(app.browser, 'user-table');
    log(`Users tab: settling ${opts.settleSeconds} s, then idle ${opts.idleSeconds} s`);
    await sleep(opts.settleSeconds * 1000);
    results.push({ phase: 'window-users', ...(await observeIdle(s.pid, opts.idleSeconds)) });
  } finally {
    await app?.stop();
    desktop.stop();
  }
}

async function memoryPhase(opts, results) {
  const desktop = await startDesktopServices();
  let app;
  try {
    const s = await appWithSource({ tab: opts.memoryTab });
    app = s.app;
    const page = () => {
      const pages = pageProcesses(s.pid);
      if (pages.length !== 1) throw new Error(`expected one WebKitWebProcess, found ${pages.length}`);
      return { rss: rss(pages[0].pid), pss: pss(pages[0].pid) };
    };
    const domNodes = () => app.browser.execute(() => document.getElementsByTagName('*').length);
    await sleep(opts.settleSeconds * 1000);
    const start = { ...page(), domNodes: await domNodes() };
    log(`page before any cycle: RSS ${(start.rss / MIB).toFixed(1)} MiB`);
    const cycles = [];
    for (let n = 1; n <= opts.cycles; n++) {
      await cycle(s.baseUrl, s.token, opts.users, n);
      await sleep(1000);
      const after = page();
      // The page's garbage is collected when the collector gets to it: RSS moves by tens of MiB
      // within seconds of nothing happening. The lowest reading of the settle span is the closest
      // to what the page keeps; the last reading is reported beside it.
      let lowest = after.rss;
      const settleEnd = Date.now() + opts.settleSeconds * 1000;
      while (Date.now() < settleEnd) {
        await sleep(Math.min(1000, settleEnd - Date.now()));
        lowest = Math.min(lowest, page().rss);
      }
      const settled = { ...page(), domNodes: await domNodes() };
      lowest = Math.min(lowest, settled.rss);
      cycles.push({ cycle: n, rssAfter: after.rss, rssLowest: lowest, rssSettled: settled.rss, pssSettled: settled.pss, domNodes: settled.domNodes });
      log(`after cycle ${n}: page RSS ${(after.rss / MIB).toFixed(1)} MiB, lowest in the next ${opts.settleSeconds} s ${(lowest / MIB).toFixed(1)} MiB, then ${(settled.rss / MIB).toFixed(1)} MiB, ${settled.domNodes} elements`);
    }
    results.push({ phase: 'memory', tab: opts.memoryTab, settleSeconds: opts.settleSeconds, start, cycles });
  } finally {
    await app?.stop();
    desktop.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function verdicts(results) {
  const rows = [];
  const mb = (b) => `${(b / MB).toFixed(1)} MB (${(b / MIB).toFixed(1)} MiB)`;
  const pct = (p) => `${p.toFixed(2)}% of a core`;
  const row = (what, value, target, pass) => rows.push({ what, value, target, pass });
  for (const r of results) {
    if (r.phase === 'tray' || r.phase === 'service') {
      const name = r.phase === 'tray' ? 'window closed, tray only' : 'service alone (scimdesk serve)';
      row(`${name}: PSS, all processes (highest)`, mb(r.pssMax), '<= 120 MB', r.pssMax <= 120 * MB);
      row(`${name}: CPU, all processes`, pct(r.cpuPercent), '<= 0.5%', r.cpuPercent <= 0.5);
    } else if (r.phase.startsWith('window-')) {
      const tab = r.phase === 'window-activity' ? 'Activity' : 'Users';
      row(`window open on the ${tab} tab: CPU, all processes`, pct(r.cpuPercent), '<= 2%', r.cpuPercent <= 2);
    } else if (r.phase === 'memory') {
      const first = r.cycles[0];
      const last = r.cycles.at(-1);
      const ratio = last.rssLowest / first.rssLowest;
      row(`${r.tab[0].toUpperCase()}${r.tab.slice(1)} tab open: page RSS, cycle 1 -> ${last.cycle} (settled, lowest)`,
        `${(first.rssLowest / MIB).toFixed(1)} -> ${(last.rssLowest / MIB).toFixed(1)} MiB = ${ratio.toFixed(2)}x`, '<= 1.10x', ratio <= 1.1);
      const lastRatio = last.rssSettled / first.rssSettled;
      rows.push({ what: '  (the same from the last reading of each settle span)', value: `${(first.rssSettled / MIB).toFixed(1)} -> ${(last.rssSettled / MIB).toFixed(1)} MiB = ${lastRatio.toFixed(2)}x`, target: 'information', pass: null });
    }
  }
  return rows;
}

function printDetails(results) {
  for (const r of results) {
    if (r.phase === 'memory') {
      console.log(`\nmemory: WebKitWebProcess before any cycle RSS ${(r.start.rss / MIB).toFixed(1)} MiB, PSS ${(r.start.pss / MIB).toFixed(1)} MiB, ${r.start.domNodes} elements`);
      console.log(`| cycle | RSS 1 s after, MiB | lowest RSS in the next ${r.settleSeconds} s, MiB | RSS at the end, MiB | PSS at the end, MiB | elements |`);
      console.log('|---:|---:|---:|---:|---:|---:|');
      for (const c of r.cycles) {
        console.log(`| ${c.cycle} | ${(c.rssAfter / MIB).toFixed(1)} | ${(c.rssLowest / MIB).toFixed(1)} | ${(c.rssSettled / MIB).toFixed(1)} | ${(c.pssSettled / MIB).toFixed(1)} | ${c.domNodes} |`);
      }
    } else {
      const cpu = Object.entries(r.cpuByProcess).map(([c, p]) => `${c} ${p.toFixed(2)}%`).join(', ');
      const mem = Object.entries(r.pssByProcess).map(([c, b]) => `${c} ${(b / MIB).toFixed(1)}`).join(', ');
      console.log(`\n${r.phase}: ${r.seconds.toFixed(0)} s idle; CPU ${r.cpuPercent.toFixed(2)}% (${cpu}); PSS MiB at the end: ${mem}; mean total ${(r.pssMean / MIB).toFixed(1)}, highest ${(r.pssMax / MIB).toFixed(1)}; USS (private) highest ${(r.ussMax / MIB).toFixed(1)}`);
    }
  }
}

const opts = parseArgs(process.argv.slice(2));
const results = [];
const failures = [];
const cpus = os.cpus();
console.log(`ScimDesk idle benchmark (issue 11): app ${APP}, CLI ${CLI}`);
console.log(`machine: ${cpus.length} x ${cpus[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${os.release()}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`idle span ${opts.idleSeconds} s, settle ${opts.settleSeconds} s, ${opts.users} users a cycle, ${opts.cycles} cycles for memory; phases: ${opts.only.join(', ')}`);
const phases = { tray: trayPhase, service: servicePhase, window: windowPhase, memory: memoryPhase };
for (const name of opts.only) {
  log(`phase ${name}`);
  try {
    await phases[name](opts, results);
  } catch (err) {
    failures.push(`${name}: ${err.stack ?? err}`);
    log(`phase ${name} could not run: ${err.message}`);
  }
}
printDetails(results);
const rows = verdicts(results);
console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
const width = Math.max(...rows.map((r) => r.what.length), 10);
for (const r of rows) console.log(`  ${r.pass === null ? '    ' : r.pass ? 'PASS' : 'FAIL'}  ${r.what.padEnd(width)}  ${r.value.padEnd(34)}  ${r.pass === null ? '' : 'target '}${r.target}`);
for (const f of failures) console.log(`  ERROR ${f}`);
if (opts.json) writeFileSync(opts.json, JSON.stringify({ opts, results, verdicts: rows, failures }, null, 2));
process.exit(failures.length ? 2 : 0);
