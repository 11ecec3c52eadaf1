import { BarChart } from '@mantine/charts';
import { Alert, Badge, Group, Loader, Paper, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useInterval } from '@mantine/hooks';
import { memo, useCallback, useEffect, useMemo, useState } from 'react';

import { api, toApiError } from '../api';
import { clockTime, latency, timeAgo } from '../format';
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

/** Requests per minute: re-rendered when a minute passes or new requests are counted. */
const RequestsChart = memo(function RequestsChart({ perMinute }: { perMinute: LiveState['perMinute'] }) {
  const minute = useClock(60000);
  const rows = useMemo(() => chartRows(perMinute, minute), [perMinute, minute]);
  return (
    <Paper withBorder p="md" mb="md">
      <Title order={6} mb="xs">Requests per minute</Title>
      <BarChart
        h={160}
        data={rows}
        dataKey="label"
        type="stacked"
        withLegend
        tickLine="none"
        series={[
          { name: 'users', label: 'Users', color: 'blue.6' },
          { name: 'groups', label: 'Groups', color: 'grape.6' },
          { name: 'reads', label: 'Reads', color: 'gray.5' },
          { name: 'refused', label: 'Refused', color: 'red.6' },
        ]}
      />
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
      <RequestsChart perMinute={live.perMinute} />
      <Feed feed={live.feed} />
    </>
  );
}
