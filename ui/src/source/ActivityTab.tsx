import { BarChart } from '@mantine/charts';
import { Alert, Badge, Group, Loader, Paper, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useInterval } from '@mantine/hooks';
import { useCallback, useEffect, useMemo, useState } from 'react';

import { api, toApiError } from '../api';
import { clockTime, latency, timeAgo } from '../format';
import { useEventBatches } from '../hub';
import { applyBatch, chartRows, emptyLive, fromSnapshot, isBusy, mergeSnapshot, throttle, type LiveState } from '../live';

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

/** The live feed of a source: snapshot on load, then event batches applied in sequence. */
export function ActivityTab({ slug }: { slug: string }) {
  const [live, setLive] = useState<LiveState>(emptyLive);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());

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
  useInterval(() => setNow(Date.now()), 1000, { autoInvoke: true });

  const rows = useMemo(() => chartRows(live.perMinute, now), [live.perMinute, now]);
  const busy = isBusy(live, now);
  const c = live.counters;

  return (
    <>
      {error && <Alert color="red" mb="sm">{error}</Alert>}
      <Group mb="sm" justify="space-between">
        {busy ? (
          <Group gap="xs" data-testid="provisioning-state"><Loader size="xs" /><Text fw={500}>Provisioning in progress</Text></Group>
        ) : (
          <Text c="dimmed" data-testid="provisioning-state">Idle. Last request {timeAgo(c?.lastRequest ?? null, now)}.</Text>
        )}
      </Group>
      <SimpleGrid cols={{ base: 3, lg: 6 }} mb="md">
        <Stat label="Users" value={(c?.users ?? 0).toLocaleString('en-US')} testid="count-users" />
        <Stat label="Active" value={(c?.activeUsers ?? 0).toLocaleString('en-US')} testid="count-active" />
        <Stat label="Groups" value={(c?.groups ?? 0).toLocaleString('en-US')} testid="count-groups" />
        <Stat label="Memberships" value={(c?.memberships ?? 0).toLocaleString('en-US')} testid="count-memberships" />
        <Stat label="Requests / min" value={(c?.requestsLastMinute ?? 0).toLocaleString('en-US')} />
        <Stat label="Refused" value={(c?.errors ?? 0).toLocaleString('en-US')} />
      </SimpleGrid>
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
      {live.feed.length === 0 ? (
        <Text c="dimmed" ta="center" p="lg">Nothing yet. Requests from Entra ID appear here as they arrive.</Text>
      ) : (
        <Table data-testid="activity-feed" striped>
          <Table.Thead><Table.Tr><Table.Th w={90}>Time</Table.Th><Table.Th w={110}>Kind</Table.Th><Table.Th>What happened</Table.Th><Table.Th w={70}>Status</Table.Th><Table.Th w={80}>Latency</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {live.feed.slice(0, FEED_SHOWN).map((f) => (
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
      )}
    </>
  );
}
