// The live view of one source: a snapshot (counters, recent activity) with events applied on top
// in sequence. Pure functions, so a burst of events costs one state update per batch.

import type { ActivityEntry, Change, ProvisioningEvent, SourceCounters } from './bindings';
import { clockTime, kindOfChange, type RequestKind } from './format';

export const FEED_LIMIT = 300;
export const CHART_MINUTES = 30;
/** A source counts as "provisioning in progress" while its last request is this recent. */
export const BUSY_WINDOW_MS = 5000;

export interface FeedItem {
  key: string;
  time: string;
  method: string;
  path: string;
  status: number;
  summary: string;
  latencyMs: number;
  kind: RequestKind;
  change: Change;
  /** Seen as a live event (else read from the activity log). */
  live: boolean;
}

export type MinuteBucket = Record<Exclude<RequestKind, 'source'>, number> & { minute: number };

export interface LiveState {
  counters: SourceCounters | null;
  /** Newest first. */
  feed: FeedItem[];
  /** Oldest first, one bucket per minute that saw requests. */
  perMinute: MinuteBucket[];
  lastEventAt: number | null;
  /** Events received before the first snapshot arrived, to apply on top of it. */
  early: ProvisioningEvent[];
}

export const emptyLive: LiveState = { counters: null, feed: [], perMinute: [], lastEventAt: null, early: [] };
const EARLY_LIMIT = 20_000;

export function minuteOf(iso: string): number {
  return Math.floor(Date.parse(iso) / 60000);
}

function addToBuckets(buckets: MinuteBucket[], minute: number, kind: RequestKind, n = 1): MinuteBucket[] {
  if (kind === 'source' || Number.isNaN(minute)) return buckets;
  const last = buckets[buckets.length - 1];
  if (last && last.minute === minute) {
    last[kind] += n;
    return buckets;
  }
  const existing = buckets.find((b) => b.minute === minute);
  if (existing) {
    existing[kind] += n;
    return buckets;
  }
  const fresh: MinuteBucket = { minute, users: 0, groups: 0, reads: 0, refused: 0 };
  fresh[kind] += n;
  buckets.push(fresh);
  buckets.sort((a, b) => a.minute - b.minute);
  return buckets;
}

function trimBuckets(buckets: MinuteBucket[], nowMinute: number): MinuteBucket[] {
  return buckets.filter((b) => b.minute > nowMinute - CHART_MINUTES);
}

export function feedItemFromActivity(a: ActivityEntry): FeedItem {
  return {
    key: `a${a.id}`,
    time: a.time,
    method: a.method,
    path: a.path,
    status: a.status,
    summary: a.summary,
    latencyMs: a.latencyUs / 1000,
    kind: kindOfChange(a.change),
    change: a.change,
    live: false,
  };
}

export function feedItemFromEvent(e: ProvisioningEvent): FeedItem {
  return {
    key: `e${e.seq}`,
    time: e.time,
    method: e.method,
    path: e.path,
    status: e.status,
    summary: e.summary,
    latencyMs: e.latencyMs ?? 0,
    kind: kindOfChange(e.change),
    change: e.change,
    live: true,
  };
}

/** A fresh live state from a counters snapshot and the newest activity rows (newest first). */
export function fromSnapshot(counters: SourceCounters, activity: ActivityEntry[], now = Date.now()): LiveState {
  let buckets: MinuteBucket[] = [];
  for (const a of activity) buckets = addToBuckets(buckets, minuteOf(a.time), kindOfChange(a.change));
  return {
    counters,
    feed: activity.slice(0, FEED_LIMIT).map(feedItemFromActivity),
    perMinute: trimBuckets(buckets, Math.floor(now / 60000)),
    lastEventAt: null,
    early: [],
  };
}

/** Identifies a request in both the activity log and the events (they share time and summary). */
function requestKey(f: FeedItem): string {
  return `${f.time}|${f.method}|${f.path}|${f.status}|${f.summary}`;
}

/**
 * The first snapshot, merged with what arrived while it was being read: the activity log is
 * written a moment after each event, so a request can be in the events but not yet in the log.
 */
export function mergeSnapshot(state: LiveState, counters: SourceCounters, activity: ActivityEntry[], now = Date.now()): LiveState {
  const base = fromSnapshot(counters, activity, now);
  if (state.early.length === 0) return { ...base, lastEventAt: state.lastEventAt };
  const fromEvents = state.feed.filter((f) => f.live);
  const seen = new Set(fromEvents.map(requestKey));
  const logged = base.feed.filter((f) => !seen.has(requestKey(f)));
  const loggedKeys = new Set(activity.map((a) => requestKey(feedItemFromActivity(a))));
  let buckets = base.perMinute;
  for (const f of fromEvents) {
    if (f.kind !== 'source' && !loggedKeys.has(requestKey(f))) buckets = addToBuckets(buckets, minuteOf(f.time), f.kind);
  }
  let merged = counters;
  for (const e of state.early) if (e.seq > merged.seq) merged = applyToCounters(merged, e);
  const feed = fromEvents.concat(logged).sort((a, b) => b.time.localeCompare(a.time)).slice(0, FEED_LIMIT);
  return { counters: merged, feed, perMinute: trimBuckets(buckets, Math.floor(now / 60000)), lastEventAt: state.lastEventAt, early: [] };
}

function applyToCounters(c: SourceCounters, e: ProvisioningEvent): SourceCounters {
  const next = { ...c, seq: e.seq };
  if (e.change.type === 'sourceCreated' || e.change.type === 'sourceUpdated' || e.change.type === 'tokenRotated') return next;
  next.requestsLastMinute += 1;
  next.lastRequest = e.time;
  if (e.status >= 400) next.errors += 1;
  switch (e.change.type) {
    case 'userCreated': next.users += 1; next.activeUsers += 1; break;
    case 'userDeleted': next.users = Math.max(0, next.users - 1); break;
    case 'userDisabled': next.activeUsers = Math.max(0, next.activeUsers - 1); break;
    case 'userEnabled': next.activeUsers += 1; break;
    case 'groupCreated': next.groups += 1; break;
    case 'groupDeleted': next.groups = Math.max(0, next.groups - 1); break;
    case 'membersChanged': next.memberships = Math.max(0, next.memberships + e.change.added - e.change.removed); break;
    default: break;
  }
  return next;
}

/**
 * Apply one batch of events (in `seq` order) for `slug`. Events already in the snapshot
 * (`seq` not above the counters' `seq`) and other sources' events are skipped.
 */
export function applyBatch(state: LiveState, slug: string, events: ProvisioningEvent[], now = Date.now()): LiveState {
  const mine = events.filter((e) => e.source === slug && (state.counters === null || e.seq > state.counters.seq));
  if (mine.length === 0) return state;
  let counters = state.counters;
  let buckets = state.perMinute.map((b) => ({ ...b }));
  const fresh: FeedItem[] = [];
  for (const e of mine) {
    if (counters) counters = applyToCounters(counters, e);
    const item = feedItemFromEvent(e);
    if (item.kind !== 'source') buckets = addToBuckets(buckets, minuteOf(e.time), item.kind);
    fresh.push(item);
  }
  fresh.reverse();
  const feed = fresh.length >= FEED_LIMIT ? fresh.slice(0, FEED_LIMIT) : fresh.concat(state.feed.slice(0, FEED_LIMIT - fresh.length));
  const early = state.counters === null ? state.early.concat(mine).slice(-EARLY_LIMIT) : state.early;
  return { counters, feed, perMinute: trimBuckets(buckets, Math.floor(now / 60000)), lastEventAt: now, early };
}

export function isBusy(state: LiveState, now = Date.now()): boolean {
  return state.lastEventAt !== null && now - state.lastEventAt < BUSY_WINDOW_MS;
}

/** Chart rows for the last `CHART_MINUTES` minutes, with empty minutes filled in. */
export function chartRows(buckets: MinuteBucket[], now = Date.now()): Array<MinuteBucket & { label: string }> {
  const nowMinute = Math.floor(now / 60000);
  const byMinute = new Map(buckets.map((b) => [b.minute, b]));
  const rows = [];
  for (let m = nowMinute - CHART_MINUTES + 1; m <= nowMinute; m++) {
    const b = byMinute.get(m) ?? { minute: m, users: 0, groups: 0, reads: 0, refused: 0 };
    rows.push({ ...b, label: clockTime(new Date(m * 60000).toISOString()).slice(0, 5) });
  }
  return rows;
}

/** Whether a batch holds a change to the users or groups of `slug` (lists then refresh). */
export function touchesDirectory(events: ProvisioningEvent[], slug: string, kind: 'users' | 'groups'): boolean {
  return events.some((e) => e.source === slug && kindOfChange(e.change) === kind);
}

/** Calls `fn` at most once per `ms`, the last call winning (for refreshing lists while events pour in). */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;
  const run = () => {
    timer = null;
    last = Date.now();
    fn();
  };
  const throttled = () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(run, wait);
  };
  throttled.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return throttled;
}
