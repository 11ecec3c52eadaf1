import { BarChart } from '@mantine/charts';
import { Alert, Center, Group, Loader, Paper, SegmentedControl, SimpleGrid, Text, Title } from '@mantine/core';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { api, toApiError } from '../api';
import { count, minutesAgo, minutesAgoChangesAt } from '../format';
import { dayRows, dayTicks, followDay, keptSince, DAY_BUCKET_SECONDS, type DayFollower, type DayHistory } from '../history';
import { useEventBatches } from '../hub';
import { applyBatch, BUSY_WINDOW_MS, chartRows, emptyLive, fromSnapshot, isBusy, mergeSnapshot, throttle, type LiveState } from '../live';
import { ActivityFeed } from './ActivityFeed';

type Counters = LiveState['counters'];

/** How often the tab shows what the event batches changed. */
const SHOWN_EVERY_MS = 1000;


function Stat({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>{label}</Text>
      <Text size="xl" fw={600} data-testid={testid}>{value}</Text>
    </Paper>
  );
}

/** The time now, and a re-render at `next(now)` (ms since the epoch; never when null): a clock
 *  that wakes the page only when what it shows will change. */
function useClockUntil(next: (now: number) => number | null): number {
  const [now, setNow] = useState(Date.now);
  const at = next(now);
  useEffect(() => {
    if (at === null) return;
    // Re-armed after every tick (`now` changes): a timer that fires a little early just waits again.
    const timer = setTimeout(() => setNow(Date.now()), Math.max(0, at - Date.now()));
    return () => clearTimeout(timer);
  }, [at, now]);
  return now;
}

/** The time now, to the `ms`: re-renders when it crosses a multiple of `ms` (the chart's minute). */
function useClock(ms: number): number {
  const now = useClockUntil((t) => (Math.floor(t / ms) + 1) * ms);
  return Math.floor(now / ms) * ms;
}

/** "Provisioning in progress" or "Idle. Last request 5 min ago": the only part that follows the
 *  clock by itself, so the chart and the feed do not re-render with it (they did: 18% of a core,
 *  idle). It changes when provisioning stops, then once a minute (it counted seconds, and each
 *  change repaints the window: 4-5% of a core for the minute after a cycle, under Xvfb). */
function ProvisioningState({ lastEventAt, lastRequest }: { lastEventAt: number | null; lastRequest: string | null }) {
  const now = useClockUntil((t) =>
    isBusy({ ...emptyLive, lastEventAt }, t) && lastEventAt !== null ? lastEventAt + BUSY_WINDOW_MS : minutesAgoChangesAt(lastRequest, t));
  return isBusy({ ...emptyLive, lastEventAt }, now) ? (
    <Group gap="xs" data-testid="provisioning-state"><Loader size="xs" /><Text fw={500}>Provisioning in progress</Text></Group>
  ) : (
    <Text c="dimmed" data-testid="provisioning-state">Idle. Last request {minutesAgo(lastRequest, now)}.</Text>
  );
}

const Stats = memo(function Stats({ c }: { c: Counters }) {
  return (
    <SimpleGrid cols={{ base: 3, lg: 6 }} mb="md">
      <Stat label="Users" value={(c?.users ?? 0).toLocaleString('en-US')} testid="count-users" />
      <Stat label="Active" value={(c?.activeUsers ?? 0).toLocaleString('en-US')} testid="count-active" />
      <Stat label="Groups" value={(c?.groups ?? 0).toLocaleString('en-US')} testid="count-groups" />
      <Stat label="Memberships" value={(c?.memberships ?? 0).toLocaleString('en-US')} testid="count-memberships" />
      <Stat label="Requests / min" value={(c?.requestsLastMinute ?? 0).toLocaleString('en-US')} />
      <Stat label="Refused" value={(c?.errors ?? 0).toLocaleString('en-US')} />
    </SimpleGrid>
  );
});

const SERIES = [
  { name: 'users', label: 'Users', color: 'blue.6' },
  { name: 'groups', label: 'Groups', color: 'grape.6' },
  { name: 'reads', label: 'Reads', color: 'gray.5' },
  { name: 'refused', label: 'Refused', color: 'red.6' },
];
const CHART_HEIGHT = 160;

type ChartRange = '30m' | '24h';
const RANGES = [{ value: '30m', label: '30 min' }, { value: '24h', label: '24 h' }];

/** Requests per minute: re-rendered when a minute passes or new requests are counted. */
const MinuteBars = memo(function MinuteBars({ perMinute }: { perMinute: LiveState['perMinute'] }) {
  const minute = useClock(60000);
  const rows = useMemo(() => chartRows(perMinute, minute), [perMinute, minute]);
  return <BarChart h={CHART_HEIGHT} data={rows} dataKey="label" type="stacked" withLegend tickLine="none" series={SERIES} />;
});

/**
 * Requests per 15 minutes over 24 hours, read from the activity log when shown, with live events
 * added to their bucket. The log is read again at most once a minute while events arrive (which
 * also takes in what a missed batch left out), never while nothing happens; the bars re-render
 * when events are counted or a quarter hour passes.
 */
const DayBars = memo(function DayBars({ slug }: { slug: string }) {
  const [day, setDay] = useState<DayHistory | null>(null);
  const [error, setError] = useState<string | null>(null);
  const follower = useRef<DayFollower | null>(null);
  useEffect(() => {
    const f = followDay(slug, {
      read: (since, bucketSeconds) => api.activityPerBucket(slug, since, bucketSeconds),
      show: setDay,
      failed: (e) => setError(e === null ? null : toApiError(e).message),
    });
    follower.current = f;
    return () => {
      f.stop();
      follower.current = null;
    };
  }, [slug]);
  useEventBatches((batch) => follower.current?.received(batch.events, batch.missed));

  const quarter = useClock(DAY_BUCKET_SECONDS * 1000);
  const rows = useMemo(() => dayRows(day, quarter), [day, quarter]);
  const ticks = useMemo(() => dayTicks(rows), [rows]);
  const total = useMemo(() => rows.reduce((n, r) => n + r.users + r.groups + r.reads + r.refused, 0), [rows]);
  const since = keptSince(day, quarter);
  if (!day) return <Center h={CHART_HEIGHT}>{error ? <Text c="red" size="sm">{error}</Text> : <Loader size="sm" />}</Center>;
  return (
    <>
      <BarChart
        h={CHART_HEIGHT}
        data={rows}
        dataKey="label"
        type="stacked"
        withLegend
        tickLine="none"
        series={SERIES}
        xAxisProps={{ interval: 0, tickFormatter: (label: string) => (ticks.has(label) ? label : '') }}
      />
      <Text size="xs" c="dimmed" mt={4} data-testid="chart-day-total">
        {count(total, 'request')} in the last 24 hours.
        {since && ` Requests before ${since} are not kept: the log keeps each source's newest 10,000.`}
      </Text>
      {error && <Text size="xs" c="red" mt={4}>{error}</Text>}
    </>
  );
});

/** The requests chart, over the last 30 minutes (per minute) or 24 hours (per 15 minutes). */
const RequestsChart = memo(function RequestsChart({ slug, perMinute }: { slug: string; perMinute: LiveState['perMinute'] }) {
  const [range, setRange] = useState<ChartRange>('30m');
  return (
    <Paper withBorder p="md" mb="md">
      <Group justify="space-between" mb="xs">
        <Title order={6}>{range === '30m' ? 'Requests per minute' : 'Requests per 15 minutes, last 24 hours'}</Title>
        <SegmentedControl size="xs" data={RANGES} value={range} onChange={(v) => setRange(v as ChartRange)} data-testid="chart-range" />
      </Group>
      {range === '30m' ? <MinuteBars perMinute={perMinute} /> : <DayBars slug={slug} />}
    </Paper>
  );
});

/** `value`, changed at most once per `ms`: the newest value is shown when the time has come. */
function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (shown === value) return;
    const timer = setTimeout(() => {
      last.current = Date.now();
      setShown(value);
    }, Math.max(0, last.current + ms - Date.now()));
    return () => clearTimeout(timer);
  }, [value, shown, ms]);
  return shown;
}

/** The live feed of a source: snapshot on load, then event batches applied in sequence. */
export function ActivityTab({ slug }: { slug: string }) {
  const [live, setLive] = useState<LiveState>(emptyLive);
  const [error, setError] = useState<string | null>(null);

  const snapshot = useCallback((fresh: boolean) => {
    Promise.all([api.counters(slug), api.activity(slug, 500)]).then(
      ([counters, activity]) => {
        setLive((s) => (fresh ? fromSnapshot(counters, activity) : mergeSnapshot(s, counters, activity)));
        setError(null);
      },
      (e) => setError(toApiError(e).message),
    );
  }, [slug]);
  // Counts the events cannot tell exactly (active users after a delete) come from a fresh snapshot.
  const resnapshotCounters = useMemo(() => throttle(() => {
    api.counters(slug).then((c) => setLive((s) => ({ ...s, counters: s.counters && c.seq >= s.counters.seq ? { ...c } : s.counters })), () => {});
  }, 3000), [slug]);

  useEffect(() => { snapshot(false); return () => resnapshotCounters.cancel(); }, [snapshot, resnapshotCounters]);
  useEventBatches((batch) => {
    if (batch.missed > 0) { snapshot(true); return; }
    setLive((s) => applyBatch(s, slug, batch.events));
    if (batch.events.some((e) => e.source === slug)) resnapshotCounters();
  });

  // Batches come ten times a second while Entra provisions; the tab follows them once a second.
  const shown = useThrottled(live, SHOWN_EVERY_MS);
  return (
    <>
      {error && <Alert color="red" mb="sm">{error}</Alert>}
      <Group mb="sm" justify="space-between">
        <ProvisioningState lastEventAt={shown.lastEventAt} lastRequest={shown.counters?.lastRequest ?? null} />
      </Group>
      <Stats c={shown.counters} />
      <RequestsChart slug={slug} perMinute={shown.perMinute} />
      <ActivityFeed feed={shown.feed} />
    </>
  );
}
