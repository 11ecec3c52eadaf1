// How much CPU the window uses while nothing happens, on a source's Activity tab: the app is
// started under tauri-driver (as the e2e tests start it), a source is created and its Activity
// tab opened, then the CPU time of the app and of WebKit's page process is read from /proc over
// a quiet interval. Run it inside e2e/headless.sh (Xvfb, session bus):
//
//   SCIMDESK_APP_BINARY=<app binary> ./headless.sh node idle-cpu.mjs [seconds] ["30 min" | "24 h"]
//
// The second argument is the range the Activity chart shows while measuring (30 min by default).
// The WebDriver session stays attached but idle while measuring.

import { readFileSync, readdirSync } from 'node:fs';

import { byTestId, clickWhenReady, createSourceInWindow, launchApp } from './harness.mjs';

const seconds = Number(process.argv[2] ?? 60);
const range = process.argv[3] ?? '30 min';
const TICKS = 100; // USER_HZ on Linux

function read(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** The app started on `dataDir` (other apps may run on this machine) and its WebKit page
 *  processes (its children). */
function processesOf(dataDir) {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  const app = pids.find((pid) => read(pid, 'comm').startsWith('scimdesk-app') && read(pid, 'environ').includes(dataDir));
  if (!app) throw new Error(`no scimdesk-app runs on ${dataDir}`);
  const parent = (pid) => read(pid, 'stat').slice(read(pid, 'stat').lastIndexOf(')') + 2).split(' ')[1];
  const pages = pids.filter((pid) => read(pid, 'comm').startsWith('WebKitWebProces') && parent(pid) === app);
  return [['scimdesk-app', [app]], ['WebKitWebProcess', pages]];
}

/** utime + stime of `pid`, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

const app = await launchApp();
try {
  await byTestId(app.browser, 'new-source', 30000);
  await createSourceInWindow(app.browser, 'Idle');
  await clickWhenReady(app.browser, '[data-testid="issued-done"]');
  await (await byTestId(app.browser, 'tab-activity')).click();
  await byTestId(app.browser, 'provisioning-state');
  await clickWhenReady(app.browser, `//*[@data-testid="chart-range"]//label[normalize-space()="${range}"]`);
  await new Promise((r) => setTimeout(r, 5000)); // let start-up work settle
  const watched = processesOf(app.dataDir);
  const before = watched.map(([, pids]) => pids.map(cpuSeconds));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  console.log(`idle on the Activity tab (chart: ${range}) for ${seconds} s:`);
  watched.forEach(([name, pids], i) => {
    const used = pids.reduce((sum, pid, j) => sum + cpuSeconds(pid) - before[i][j], 0);
    console.log(`  ${name} (${pids.join(', ')}): ${((100 * used) / seconds).toFixed(2)}% of a core`);
  });
} finally {
  await app.stop();
}
