// The Activity chart's 24 hours: requests per 15 minutes, read from the activity log (so it shows
// what happened before the page was opened), with live events added to their buckets until the
// stored part is read again. Pure functions, like live.ts, so a burst costs one update per batch.

import type { ActivityBucket, ActivityHistogram, ProvisioningEvent } from './bindings';
import { clockTime, kindOfChange } from './format';

/** 15 minutes: 96 bars for a day, and an Entra cycle (about 40 minutes) spans two or three. */
export const DAY_BUCKET_SECONDS = 15 * 60;
export const DAY_BUCKETS = (24 * 3600) / DAY_BUCKET_SECONDS;
/** While events arrive, the stored part is read again at most this often. */
export const DAY_REFRESH_MS = 60_000;
/** Hours whose bar is labelled on the axis (every third: 00:00, 03:00, ...). */
const LABEL_EVERY_HOURS = 3;
/** Events kept while the stored part is being read, to add those it does not count yet. */
export const PENDING_LIMIT = 20_000;

/** The stored part as read (buckets oldest first), with the live events added since. */
export type DayHistory = ActivityHistogram;

export type DayRow = ActivityBucket & { label: string };

/** The start (Unix seconds) of the first of the 96 buckets shown at `now` (ms); the last holds `now`. */
export function dayWindowStart(now: number): number {
  const current = Math.floor(now / 1000 / DAY_BUCKET_SECONDS) * DAY_BUCKET_SECONDS;
  return current - (DAY_BUCKETS - 1) * DAY_BUCKET_SECONDS;
}

/** An RFC 3339 time as whole seconds (Unix) and the nanoseconds past them, exactly. */
function timeParts(iso: string): [number, number] {
  const fraction = /\.(\d+)/.exec(iso);
  const seconds = Date.parse(fraction ? iso.replace(fraction[0], '') : iso) / 1000;
  const nanos = fraction ? Number(fraction[1].slice(0, 9).padEnd(9, '0')) : 0;
  return [seconds, nanos];
}

/** Orders two RFC 3339 times to the nanosecond (Date.parse stops at the millisecond). */
export function compareTimes(a: string, b: string): number {
  const [sa, na] = timeParts(a);
  const [sb, nb] = timeParts(b);
  return sa !== sb ? sa - sb : na - nb;
}

/**
 * Add the requests of `slug` among `events` that the stored part does not count: those later
 * than the newest row it read. Returns the same state when none is added (no re-render).
 */
export function addEventsToDay(day: DayHistory, slug: string, events: ProvisioningEvent[]): DayHistory {
  const added = new Map<number, ActivityBucket>();
  for (const e of events) {
    if (e.source !== slug) continue;
    const kind = kindOfChange(e.change);
    if (kind === 'source') continue;
    if (day.latest !== null && compareTimes(e.time, day.latest) <= 0) continue;
    const seconds = timeParts(e.time)[0];
    if (Number.isNaN(seconds)) continue;
    const start = Math.floor(seconds / day.bucketSeconds) * day.bucketSeconds;
    let bucket = added.get(start);
    if (!bucket) {
      bucket = { start, users: 0, groups: 0, reads: 0, refused: 0 };
      added.set(start, bucket);
    }
    bucket[kind] += 1;
  }
  if (added.size === 0) return day;
  const byStart = new Map(day.buckets.map((b) => [b.start, b]));
  for (const [start, a] of added) {
    const b = byStart.get(start);
    byStart.set(start, b ? { start, users: b.users + a.users, groups: b.groups + a.groups, reads: b.reads + a.reads, refused: b.refused + a.refused } : a);
  }
  return { ...day, buckets: [...byStart.values()].sort((x, y) => x.start - y.start) };
}

/** The stored part just read, with the events received while it was being read that it does not count yet. */
export function dayFromStored(stored: ActivityHistogram, slug: string, receivedMeanwhile: ProvisioningEvent[]): DayHistory {
  return addEventsToDay(stored, slug, receivedMeanwhile);
}

/** The 96 bars of the day ending with the bucket that holds `now` (ms), empty ones filled in. */
export function dayRows(day: DayHistory | null, now: number): DayRow[] {
  const first = dayWindowStart(now);
  const byStart = new Map((day?.buckets ?? []).map((b) => [b.start, b]));
  const rows: DayRow[] = [];
  for (let i = 0; i < DAY_BUCKETS; i++) {
    const start = first + i * DAY_BUCKET_SECONDS;
    const b = byStart.get(start) ?? { start, users: 0, groups: 0, reads: 0, refused: 0 };
    rows.push({ ...b, label: clockTime(new Date(start * 1000).toISOString()).slice(0, 5) });
  }
  return rows;
}

/** The labels of the bars that start a labelled hour (local time), for the axis. */
export function dayTicks(rows: DayRow[]): Set<string> {
  return new Set(
    rows
      .filter((r) => {
        const d = new Date(r.start * 1000);
        return d.getMinutes() === 0 && d.getHours() % LABEL_EVERY_HOURS === 0;
      })
      .map((r) => r.label),
  );
}

/**
 * When the log no longer keeps the start of the day shown (it keeps the newest 10,000 rows per
 * source), the time from which it does ("09:14", "yesterday 18:02"); else null.
 */
export function keptSince(day: DayHistory | null, now: number): string | null {
  if (!day?.oldestKept) return null;
  const [seconds] = timeParts(day.oldestKept);
  if (!(seconds > dayWindowStart(now))) return null;
  const time = clockTime(day.oldestKept).slice(0, 5);
  return new Date(seconds * 1000).toDateString() === new Date(now).toDateString() ? time : `yesterday ${time}`;
}

/**
 * Runs `read` at once (`now`), or, asked `soon`, once `ms` have passed since the last run: so a
 * stream of events reads the stored part at most once per `ms`.
 */
export function refresher(read: () => void, ms: number): { now(): void; soon(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = -Infinity;
  const cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const now = () => {
    cancel();
    last = Date.now();
    read();
  };
  const soon = () => {
    if (timer) return;
    timer = setTimeout(now, Math.max(0, last + ms - Date.now()));
  };
  return { now, soon, cancel };
}

/** What the 24-hour chart needs from the page: the log, and where to show what it found. */
export interface DaySink {
  /** Read the stored part: the engine's `activityPerBucket`. */
  read: (since: number, bucketSeconds: number) => Promise<ActivityHistogram>;
  /** Show the next state (a state setter). */
  show: (update: (day: DayHistory | null) => DayHistory | null) => void;
  /** A read failed (`null`: the last one succeeded). */
  failed: (error: unknown) => void;
}

export interface DayFollower {
  /** A batch of events arrived (`missed`: how many the shell could not deliver). */
  received(events: ProvisioningEvent[], missed: number): void;
  stop(): void;
}

/**
 * Follow the 24 hours of `slug`: read the stored part now, add the live events to it, and read it
 * again at most once per DAY_REFRESH_MS while events arrive (a read also fixes what a missed batch
 * or an event counted before its row was written left out). Nothing runs while nothing arrives.
 */
export function followDay(slug: string, sink: DaySink): DayFollower {
  /** While a read is under way: the events received meanwhile, to add those it does not count. */
  let pending: ProvisioningEvent[] | null = null;
  let reads = 0;
  let stopped = false;
  const reader = refresher(() => {
    const read = ++reads;
    pending = [];
    sink.read(dayWindowStart(Date.now()), DAY_BUCKET_SECONDS).then(
      (stored) => {
        if (stopped || read !== reads) return;
        const meanwhile = pending ?? [];
        pending = null;
        sink.show(() => dayFromStored(stored, slug, meanwhile));
        sink.failed(null);
      },
      (e: unknown) => {
        if (stopped || read !== reads) return;
        pending = null;
        sink.failed(e);
      },
    );
  }, DAY_REFRESH_MS);
  reader.now();
  return {
    received(events, missed) {
      if (stopped) return;
      const mine = events.filter((e) => e.source === slug);
      if (mine.length > 0) {
        if (pending) {
          for (const e of mine) pending.push(e);
          if (pending.length > PENDING_LIMIT) pending.splice(0, pending.length - PENDING_LIMIT);
        }
        sink.show((day) => (day ? addEventsToDay(day, slug, mine) : day));
      }
      if (mine.length > 0 || missed > 0) reader.soon();
    },
    stop() {
      stopped = true;
      reader.cancel();
    },
  };
}
