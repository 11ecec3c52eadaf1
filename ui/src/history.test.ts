import { afterEach, describe, expect, it, vi } from 'vitest';

import type { ActivityHistogram, Change, ProvisioningEvent } from './bindings';
import { clockTime } from './format';
import {
  addEventsToDay, compareTimes, DAY_BUCKET_SECONDS, DAY_BUCKETS, DAY_REFRESH_MS, dayFromStored, dayRows, dayTicks, dayWindowStart, followDay, keptSince, refresher, type DayHistory,
} from './history';

const unix = (iso: string) => Date.parse(iso) / 1000;
const NOW = Date.parse('2025-01-01T12:20:30Z');

function event(seq: number, time: string, change: Change, extra: Partial<ProvisioningEvent> = {}): ProvisioningEvent {
  return {
    seq, source: 'entra', time, method: 'POST', path: '/source/scim/entra/v2/Users', status: 201, change,
    resourceId: null, summary: `event ${seq}`, latencyMs: 1, ...extra,
  };
}

/** The log as read at 12:20:10.5: one bucket at 11:00, one at 12:15 whose newest row is 12:20:10.5. */
function stored(extra: Partial<ActivityHistogram> = {}): ActivityHistogram {
  return {
    since: dayWindowStart(NOW),
    bucketSeconds: DAY_BUCKET_SECONDS,
    buckets: [
      { start: unix('2025-01-01T11:00:00Z'), users: 0, groups: 0, reads: 4, refused: 0 },
      { start: unix('2025-01-01T12:15:00Z'), users: 2, groups: 1, reads: 0, refused: 0 },
    ],
    latest: '2025-01-01T12:20:10.500000001Z',
    oldestKept: null,
    ...extra,
  };
}

describe('the 24-hour window', () => {
  it('is 96 quarter hours, the last one holding now', () => {
    expect(DAY_BUCKETS).toBe(96);
    expect(dayWindowStart(NOW)).toBe(unix('2024-12-31T12:30:00Z'));
    const rows = dayRows(stored(), NOW);
    expect(rows).toHaveLength(96);
    expect(rows[0].start).toBe(unix('2024-12-31T12:30:00Z'));
    expect(rows.at(-1)).toMatchObject({ start: unix('2025-01-01T12:15:00Z'), users: 2, groups: 1 });
    expect(rows.at(-1)?.label).toBe(clockTime('2025-01-01T12:15:00Z').slice(0, 5));
    expect(rows.find((r) => r.start === unix('2025-01-01T11:00:00Z'))).toMatchObject({ reads: 4 });
    expect(rows.reduce((n, r) => n + r.users + r.groups + r.reads + r.refused, 0)).toBe(7);
  });

  it('moves on with time: a day later the stored buckets are out of it', () => {
    const rows = dayRows(stored(), NOW + 24 * 3600 * 1000);
    expect(rows.every((r) => r.users + r.groups + r.reads + r.refused === 0)).toBe(true);
  });

  it('labels the axis at whole hours only', () => {
    const ticks = dayTicks(dayRows(null, NOW));
    expect(ticks.size).toBeGreaterThanOrEqual(7);
    expect(ticks.size).toBeLessThanOrEqual(9);
    for (const t of ticks) expect(t.endsWith(':00')).toBe(true);
  });
});

describe('live events in the 24-hour buckets', () => {
  it('grows the current bucket with the requests the stored part does not count yet', () => {
    const day = stored();
    const next = addEventsToDay(day, 'entra', [
      // Already in the log when it was read (not after its newest row): not counted twice.
      event(1, '2025-01-01T12:20:10Z', { type: 'userCreated' }),
      event(2, '2025-01-01T12:20:10.5Z', { type: 'userCreated' }),
      // Later: counted, by kind.
      event(3, '2025-01-01T12:20:10.500000002Z', { type: 'userDisabled' }),
      event(4, '2025-01-01T12:20:11Z', { type: 'membersChanged', added: 2, removed: 0 }),
      event(5, '2025-01-01T12:20:12Z', { type: 'read' }, { method: 'GET', status: 200 }),
      event(6, '2025-01-01T12:20:13Z', { type: 'refused' }, { status: 409 }),
    ]);
    expect(next.buckets).toEqual([
      { start: unix('2025-01-01T11:00:00Z'), users: 0, groups: 0, reads: 4, refused: 0 },
      { start: unix('2025-01-01T12:15:00Z'), users: 3, groups: 2, reads: 1, refused: 1 },
    ]);
    expect(next.latest).toBe(day.latest);
    // Copy on write: the state before is unchanged.
    expect(day.buckets[1]).toMatchObject({ users: 2, groups: 1 });
  });

  it('opens a new bucket when a quarter hour begins', () => {
    const next = addEventsToDay(stored(), 'entra', [
      event(1, '2025-01-01T12:29:59.999Z', { type: 'groupCreated' }),
      event(2, '2025-01-01T12:30:00Z', { type: 'userCreated' }),
      event(3, '2025-01-01T12:31:00Z', { type: 'userUpdated' }),
    ]);
    expect(next.buckets.map((b) => [b.start, b.users, b.groups])).toEqual([
      [unix('2025-01-01T11:00:00Z'), 0, 0],
      [unix('2025-01-01T12:15:00Z'), 2, 2],
      [unix('2025-01-01T12:30:00Z'), 2, 0],
    ]);
    expect(dayRows(next, Date.parse('2025-01-01T12:31:00Z')).at(-1)).toMatchObject({ users: 2, groups: 0 });
  });

  it('leaves out other sources, the admin\'s own changes and checks, and returns the same state when nothing counts', () => {
    const day = stored();
    const next = addEventsToDay(day, 'entra', [
      event(1, '2025-01-01T12:21:00Z', { type: 'userCreated' }, { source: 'okta' }),
      event(2, '2025-01-01T12:21:00Z', { type: 'tokenRotated' }),
      event(3, '2025-01-01T12:21:00Z', { type: 'checked' }),
    ]);
    expect(next).toBe(day);
  });

  it('counts a burst of thousands of events in one pass', () => {
    const burst = Array.from({ length: 5000 }, (_, i) => event(i + 1, `2025-01-01T12:2${i % 2}:${String(20 + (i % 30)).padStart(2, '0')}Z`, { type: 'userUpdated' }));
    const next = addEventsToDay(stored(), 'entra', burst);
    expect(next.buckets.at(-1)?.users).toBe(2 + 5000);
  });

  it('counts every request when the log had none', () => {
    const next = addEventsToDay(stored({ buckets: [], latest: null }), 'entra', [event(1, '2025-01-01T12:20:00Z', { type: 'read' })]);
    expect(next.buckets).toEqual([{ start: unix('2025-01-01T12:15:00Z'), users: 0, groups: 0, reads: 1, refused: 0 }]);
  });

  it('adds to a fresh read the events received while it was read that it does not count', () => {
    // Received during the read: the first was in the log already, the second not yet.
    const meanwhile = [
      event(7, '2025-01-01T12:20:09Z', { type: 'userCreated' }),
      event(8, '2025-01-01T12:20:11Z', { type: 'groupDeleted' }),
    ];
    const day = dayFromStored(stored(), 'entra', meanwhile);
    expect(day.buckets.at(-1)).toMatchObject({ users: 2, groups: 2 });
  });
});

describe('compareTimes', () => {
  it('orders RFC 3339 times past the millisecond and with or without a fraction', () => {
    expect(compareTimes('2025-01-01T12:00:00.0001Z', '2025-01-01T12:00:00.00009Z')).toBeGreaterThan(0);
    expect(compareTimes('2025-01-01T12:00:00Z', '2025-01-01T12:00:00.000000001Z')).toBeLessThan(0);
    expect(compareTimes('2025-01-01T12:00:01Z', '2025-01-01T12:00:00.999999999Z')).toBeGreaterThan(0);
    expect(compareTimes('2025-01-01T12:00:00.5Z', '2025-01-01T12:00:00.500Z')).toBe(0);
  });
});

describe('keptSince', () => {
  it('tells from when the log keeps requests when that is within the day shown', () => {
    expect(keptSince(stored(), NOW)).toBeNull();
    // "09:14" in UTC; "yesterday 23:14" where it is still the day before.
    expect(keptSince(stored({ oldestKept: '2025-01-01T09:14:05.1Z' }), NOW)).toMatch(new RegExp(`^(yesterday )?${clockTime('2025-01-01T09:14:05Z').slice(0, 5)}$`));
    expect(keptSince(stored({ oldestKept: '2025-01-01T12:14:05Z' }), NOW)).toBe(clockTime('2025-01-01T12:14:05Z').slice(0, 5));
    // Pruned, but what is gone is older than the day shown.
    expect(keptSince(stored({ oldestKept: '2024-12-31T10:00:00Z' }), NOW)).toBeNull();
  });
});

describe('refresher', () => {
  afterEach(() => vi.useRealTimers());
  it('reads at once when asked now, and at most once a minute when events ask for it', () => {
    vi.useFakeTimers();
    let reads = 0;
    const r = refresher(() => reads++, 60_000);
    r.now();
    expect(reads).toBe(1);
    for (let i = 0; i < 100; i++) r.soon();
    vi.advanceTimersByTime(59_000);
    expect(reads).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(reads).toBe(2);
    // Switching to the view reads at once, and the next event waits a minute from then.
    vi.advanceTimersByTime(5_000);
    r.now();
    expect(reads).toBe(3);
    r.soon();
    vi.advanceTimersByTime(59_999);
    expect(reads).toBe(3);
    vi.advanceTimersByTime(1);
    expect(reads).toBe(4);
    r.soon();
    r.cancel();
    vi.advanceTimersByTime(120_000);
    expect(reads).toBe(4);
  });
});

describe('followDay', () => {
  afterEach(() => vi.useRealTimers());

  /** A page showing the 24 hours, with a log whose reads answer when told to. */
  function page() {
    const reads: Array<{ since: number; bucketSeconds: number; answer: (h: ActivityHistogram) => void; fail: (e: unknown) => void }> = [];
    let day: DayHistory | null = null;
    let shown = 0;
    let error: unknown = null;
    const follower = followDay('entra', {
      read: (since, bucketSeconds) => new Promise((answer, fail) => reads.push({ since, bucketSeconds, answer, fail })),
      show: (update) => {
        const next = update(day);
        if (next !== day) shown++;
        day = next;
      },
      failed: (e) => { error = e; },
    });
    return { follower, reads, day: () => day, shown: () => shown, error: () => error };
  }

  it('reads the day when shown, adds live events to it, and reads again only a minute later', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    const p = page();
    expect(p.reads).toHaveLength(1);
    expect(p.reads[0]).toMatchObject({ since: dayWindowStart(NOW), bucketSeconds: DAY_BUCKET_SECONDS });
    // Events that arrive while the log is read: one it has (not after its newest row), one it has not yet.
    p.follower.received([
      event(1, '2025-01-01T12:20:10Z', { type: 'userCreated' }),
      event(2, '2025-01-01T12:20:20Z', { type: 'userCreated' }),
    ], 0);
    expect(p.day()).toBeNull();
    p.reads[0].answer(stored());
    await vi.advanceTimersByTimeAsync(0);
    expect(p.day()?.buckets.at(-1)).toMatchObject({ users: 3, groups: 1 });

    // Live events grow the current bucket, with no read per event.
    for (let i = 0; i < 10; i++) p.follower.received([event(10 + i, `2025-01-01T12:20:3${i}Z`, { type: 'read' })], 0);
    expect(p.day()?.buckets.at(-1)).toMatchObject({ users: 3, reads: 10 });
    expect(p.reads).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(DAY_REFRESH_MS - 1);
    expect(p.reads).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.reads).toHaveLength(2);

    // The new read replaces what was counted; events counted meanwhile stay when it does not have them.
    p.follower.received([event(30, '2025-01-01T12:21:40Z', { type: 'groupCreated' })], 0);
    p.reads[1].answer(stored({ latest: '2025-01-01T12:21:00Z', buckets: [{ start: unix('2025-01-01T12:15:00Z'), users: 3, groups: 1, reads: 10, refused: 0 }] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(p.day()?.buckets).toEqual([{ start: unix('2025-01-01T12:15:00Z'), users: 3, groups: 2, reads: 10, refused: 0 }]);
    expect(p.error()).toBeNull();
  });

  it('reads nothing while nothing arrives, and stops when the view closes', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    const p = page();
    p.reads[0].answer(stored());
    await vi.advanceTimersByTimeAsync(10 * DAY_REFRESH_MS);
    expect(p.reads).toHaveLength(1);
    // Another source's events neither count nor cause a read; a missed batch causes one.
    p.follower.received([event(1, '2025-01-01T12:30:00Z', { type: 'userCreated' }, { source: 'okta' })], 0);
    const shown = p.shown();
    await vi.advanceTimersByTimeAsync(DAY_REFRESH_MS);
    expect(p.reads).toHaveLength(1);
    expect(p.shown()).toBe(shown);
    p.follower.received([], 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(p.reads).toHaveLength(2);
    p.follower.received([event(2, '2025-01-01T12:30:00Z', { type: 'userCreated' })], 0);
    const before = p.day();
    expect(before?.buckets.at(-1)).toMatchObject({ start: unix('2025-01-01T12:30:00Z'), users: 1 });
    // Closed: a read that answers late and the events after it change nothing, and no read follows.
    p.follower.stop();
    p.reads[1].answer(stored({ buckets: [] }));
    p.follower.received([event(3, '2025-01-01T12:30:01Z', { type: 'userCreated' })], 0);
    await vi.advanceTimersByTimeAsync(2 * DAY_REFRESH_MS);
    expect(p.reads).toHaveLength(2);
    expect(p.day()).toBe(before);
  });

  it('tells a failed read, and keeps what it shows', async () => {
    vi.useFakeTimers();
    const p = page();
    p.reads[0].fail({ kind: 'store', message: 'database is locked' });
    await vi.advanceTimersByTimeAsync(0);
    expect(p.error()).toMatchObject({ kind: 'store' });
    expect(p.day()).toBeNull();
  });
});
