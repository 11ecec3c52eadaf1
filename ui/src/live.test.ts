import { afterEach, describe, expect, it, vi } from 'vitest';

import { applyBatch, chartRows, emptyLive, FEED_LIMIT, fromSnapshot, isBusy, mergeSnapshot, throttle, touchesDirectory } from './live';
import type { ActivityEntry, Change, ProvisioningEvent, SourceCounters } from './bindings';

const T0 = Date.parse('2025-01-01T12:00:30Z');

function event(seq: number, change: Change, extra: Partial<ProvisioningEvent> = {}): ProvisioningEvent {
  return {
    seq, source: 'entra', time: '2025-01-01T12:00:10Z', method: 'POST', path: '/source/scim/entra/v2/Users',
    status: 201, change, resourceId: null, summary: `event ${seq}`, latencyMs: 1, ...extra,
  };
}

function row(id: number, change: Change, extra: Partial<ActivityEntry> = {}): ActivityEntry {
  return {
    id, time: '2025-01-01T12:00:05Z', method: 'POST', path: '/source/scim/entra/v2/Users', status: 201,
    summary: `row ${id}`, latencyUs: 900, change, ...extra,
  };
}

function counters(seq: number): SourceCounters {
  return { slug: 'entra', users: 1, activeUsers: 1, groups: 0, memberships: 0, requestsLastMinute: 0, errors: 0, lastRequest: null, seq };
}

describe('applyBatch', () => {
  it('applies events after the snapshot in order, newest first in the feed', () => {
    const start = fromSnapshot(counters(10), [], T0);
    const next = applyBatch(start, 'entra', [
      event(11, { type: 'userCreated' }),
      event(12, { type: 'groupCreated' }, { path: '/source/scim/entra/v2/Groups' }),
      event(13, { type: 'membersChanged', added: 3, removed: 1 }),
      event(14, { type: 'userDisabled' }),
    ], T0);
    expect(next.counters).toMatchObject({ users: 2, activeUsers: 1, groups: 1, memberships: 2, seq: 14, requestsLastMinute: 4 });
    expect(next.feed.map((f) => f.key)).toEqual(['e14', 'e13', 'e12', 'e11']);
    expect(next.lastEventAt).toBe(T0);
  });

  it('skips events already counted in the snapshot and events of other sources', () => {
    const start = fromSnapshot(counters(10), [], T0);
    const next = applyBatch(start, 'entra', [event(9, { type: 'userCreated' }), event(11, { type: 'userCreated' }, { source: 'okta' })], T0);
    expect(next).toBe(start);
  });

  it('counts refusals as errors and in the refused series', () => {
    const next = applyBatch(fromSnapshot(counters(0), [], T0), 'entra', [event(1, { type: 'refused' }, { status: 409 })], T0);
    expect(next.counters?.errors).toBe(1);
    const minute = chartRows(next.perMinute, T0).at(-1);
    expect(minute).toMatchObject({ refused: 1, users: 0 });
  });

  it('keeps the feed bounded under a burst of thousands of events', () => {
    const burst = Array.from({ length: 5000 }, (_, i) => event(i + 1, { type: 'userUpdated' }));
    const next = applyBatch(fromSnapshot(counters(0), [], T0), 'entra', burst, T0);
    expect(next.feed).toHaveLength(FEED_LIMIT);
    expect(next.feed[0].key).toBe('e5000');
    expect(chartRows(next.perMinute, T0).at(-1)?.users).toBe(5000);
  });

  it('works before the snapshot arrives (no counters yet)', () => {
    const next = applyBatch(emptyLive, 'entra', [event(1, { type: 'read' }, { method: 'GET', status: 200 })], T0);
    expect(next.counters).toBeNull();
    expect(next.feed).toHaveLength(1);
  });
});

describe('snapshot and chart', () => {
  it('seeds the feed and per-minute buckets from stored activity', () => {
    const state = fromSnapshot(counters(5), [
      row(2, { type: 'membersChanged', added: 1, removed: 0 }, { method: 'PATCH', path: '/source/scim/entra/v2/Groups/g', status: 204 }),
      row(1, { type: 'read' }, { time: '2025-01-01T11:59:05Z', method: 'GET', status: 200 }),
    ], T0);
    expect(state.feed.map((f) => f.kind)).toEqual(['groups', 'reads']);
    expect(state.feed[0].change).toEqual({ type: 'membersChanged', added: 1, removed: 0 });
    const rows = chartRows(state.perMinute, T0);
    expect(rows).toHaveLength(30);
    expect(rows.at(-1)).toMatchObject({ groups: 1 });
    expect(rows.at(-2)).toMatchObject({ reads: 1 });
  });

  it('takes the kind of a stored row from its stored change, not from its method and path', () => {
    // A search sent as POST .../Users/.search reads; a PUT that Entra sent to a deleted user was refused.
    const state = fromSnapshot(counters(5), [
      row(3, { type: 'read' }, { path: '/source/scim/entra/v2/Users/.search', status: 200 }),
      row(2, { type: 'refused' }, { method: 'PUT', path: '/source/scim/entra/v2/Users/u1', status: 404 }),
      row(1, { type: 'userDisabled' }, { method: 'PATCH', path: '/source/scim/entra/v2/Users/u1', status: 200 }),
    ], T0);
    expect(state.feed.map((f) => [f.kind, f.change.type])).toEqual([['reads', 'read'], ['refused', 'refused'], ['users', 'userDisabled']]);
    expect(chartRows(state.perMinute, T0).at(-1)).toMatchObject({ reads: 1, refused: 1, users: 1 });
  });

  it('is busy only shortly after the last event', () => {
    const state = applyBatch(fromSnapshot(counters(0), [], T0), 'entra', [event(1, { type: 'userCreated' })], T0);
    expect(isBusy(state, T0 + 1000)).toBe(true);
    expect(isBusy(state, T0 + 10000)).toBe(false);
  });

  it('tells which lists a batch touches', () => {
    const batch = [event(1, { type: 'membersChanged', added: 1, removed: 0 })];
    expect(touchesDirectory(batch, 'entra', 'groups')).toBe(true);
    expect(touchesDirectory(batch, 'entra', 'users')).toBe(false);
    expect(touchesDirectory(batch, 'okta', 'groups')).toBe(false);
  });
});

describe('throttle', () => {
  afterEach(() => vi.useRealTimers());
  it('runs once per period however often it is called', () => {
    vi.useFakeTimers();
    let runs = 0;
    const t = throttle(() => runs++, 500);
    for (let i = 0; i < 100; i++) t();
    vi.advanceTimersByTime(10);
    expect(runs).toBe(1);
    t(); t();
    vi.advanceTimersByTime(200);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(400);
    expect(runs).toBe(2);
  });
});

describe('mergeSnapshot', () => {
  it('keeps requests that arrived as events before the activity log had them', () => {
    const early = applyBatch(emptyLive, 'entra', [
      event(1, { type: 'userCreated' }, { summary: 'created user a' }),
      event(2, { type: 'userCreated' }, { summary: 'created user b', time: '2025-01-01T12:00:11Z' }),
    ], T0);
    expect(early.early).toHaveLength(2);
    // The snapshot's counters already include event 1, and its log only has event 1's row.
    const logged = [row(7, { type: 'userCreated' }, { time: '2025-01-01T12:00:10Z', summary: 'created user a', latencyUs: 1000 })];
    const merged = mergeSnapshot(early, { ...counters(1), users: 2 }, logged, T0);
    expect(merged.feed.map((f) => f.summary)).toEqual(['created user b', 'created user a']);
    expect(merged.counters).toMatchObject({ users: 3, seq: 2 });
    expect(chartRows(merged.perMinute, T0).at(-1)?.users).toBe(2);
    expect(merged.early).toEqual([]);
  });
});
