import { BarChart } from '@mantine/charts';
import { Alert, Badge, Center, Group, Loader, Paper, SegmentedControl, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useInterval } from '@mantine/hooks';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { api, toApiError } from '../api';
import { clockTime, count, latency, timeAgo } from '../format';
import { dayRows, dayTicks, followDay, keptSince, DAY_BUCKET_SECONDS, type DayFollower, type DayHistory } from '../history';
import { useEventBatches } from '../hub';
import { applyBatch, chartRows, emptyLive, fromSnapshot, isBusy, mergeSnapshot, throttle, type LiveState } from '../live';

type Counters = LiveState['counters'];

const FEED_SHOWN = 100;
const KIND_COLOR: Record<string, string> = { users: 'blue', groups: 'grape', reads: 'gray', refused: 'red', source: 'teal' };

function Stat({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>{label}</Text>
      <Text size="xl" fw={600} data-testid={testid}>{value}</Text>
    </Paper>
  );
}

/** The time now, refreshed every `ms`; the state changes (and its component re-renders) only when
 *  the value divided by `ms` changes, so a minute clock re-renders once a minute. */
function useClock(ms: number): number {
  const [tick, setTick] = useState(() => Math.floor(Date.now() / ms));
  useInterval(() => setTick(Math.floor(Date.now() / ms)), Math.min(ms, 1000), { autoInvoke: true });
  return tick * ms;
}

/** "Provisioning in progress" or "Idle. Last request 5 min ago": the only part that changes every
 *  second, so the chart and the feed do not re-render with it (they did: 18% of a core, idle). */
function ProvisioningState({ lastEventAt, lastRequest }: { lastEventAt: number | null; lastRequest: string | null }) {
  const now = useClock(1000);
  return isBusy({ ...emptyLive, lastEventAt }, now) ? (
    <Group gap="xs" data-testid="provisioning-state"><Loader size="xs" /><Text fw={500}>Provisioning in progress</Text></Group>
  ) : (
    <Text c="dimmed" data-testid="provisioning-state">Idle. Last request {timeAgo(lastRequest, now)}.</Text>
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

const Feed = memo(function Feed({ feed }: { feed: LiveState['feed'] }) {
  if (feed.length === 0) {
    return <Text c="dimmed" ta="center" p="lg">Nothing yet. Requests from Entra ID appear here as they arrive.</Text>;
  }
  return (
    <Table data-testid="activity-feed" striped>
      <Table.Thead><Table.Tr><Table.Th w={90}>Time</Table.Th><Table.Th w={110}>Kind</Table.Th><Table.Th>What happened</Table.Th><Table.Th w={70}>Status</Table.Th><Table.Th w={80}>Latency</Table.Th></Table.Tr></Table.Thead>
      <Table.Tbody>
        {feed.slice(0, FEED_SHOWN).map((f) => (
          <Table.Tr key={f.key}>
            <Table.Td><Text size="sm" ff="monospace">{clockTime(f.time)}</Text></Table.Td>
            <Table.Td><Badge variant="light" color={KIND_COLOR[f.kind]}>{f.kind}</Badge></Table.Td>
            <Table.Td>
              <Text size="sm">{f.summary}</Text>
              {f.method && <Text size="xs" c="dimmed" ff="monospace">{f.method} {f.path}</Text>}
            </Table.Td>
            <Table.Td><Text size="sm" c={f.status >= 400 ? 'red' : undefined}>{f.status}</Text></Table.Td>
            <Table.Td><Text size="sm">{latency(f.latencyMs)}</Text></Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
});

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

  return (
    <>
      {error && <Alert color="red" mb="sm">{error}</Alert>}
      <Group mb="sm" justify="space-between">
        <ProvisioningState lastEventAt={live.lastEventAt} lastRequest={live.counters?.lastRequest ?? null} />
      </Group>
      <Stats c={live.counters} />
      <RequestsChart slug={slug} perMinute={live.perMinute} />
      <Feed feed={live.feed} />
    </>
  );
}
