import { Alert, Badge, Button, Group, Paper, Table, Text, Title, Tooltip } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';

import { api, type ApiError } from '../api';
import { count, timeAgo } from '../format';
import { useEventBatches } from '../hub';
import { throttle } from '../live';
import { IssuedTokenDialog } from '../source/IssuedTokenDialog';
import { NewSourceModal } from '../source/NewSourceModal';
import { providerInfo } from '../source/providers';
import type { IssuedTokenView, SourceSummary } from '../bindings';

export function SourcesPage({ onOpen }: { onOpen: (slug: string) => void }) {
  const [sources, setSources] = useState<SourceSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedTokenView | null>(null);

  const load = useCallback(() => {
    api.listSources().then(
      (s) => { setSources(s); setError(null); },
      (e: ApiError) => setError(e.message),
    );
  }, []);
  const reload = useMemo(() => throttle(load, 1000), [load]);

  useEffect(() => {
    load();
    // "Last request" and the live indicator age without events too.
    const timer = setInterval(load, 15000);
    return () => { clearInterval(timer); reload.cancel(); };
  }, [load, reload]);
  useEventBatches(() => reload());

  return (
    <>
      <Group justify="space-between" mb="md">
        <Title order={2}>Sources</Title>
        <Button onClick={() => setCreating(true)} data-testid="new-source">New Source</Button>
      </Group>
      {error && <Alert color="red" mb="md">{error}</Alert>}
      {sources && sources.length === 0 && (
        <Paper withBorder p="xl" ta="center" data-testid="no-sources">
          <Text fw={500}>No sources yet.</Text>
          <Text c="dimmed" size="sm">A source is one identity provider (your Entra ID, Okta or OneLogin tenant) that provisions users and groups here. Create one to get its SCIM Base URL and token.</Text>
        </Paper>
      )}
      {sources && sources.length > 0 && (
        <Table highlightOnHover verticalSpacing="sm" data-testid="sources-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Slug</Table.Th>
              <Table.Th>Provider</Table.Th>
              <Table.Th>Users</Table.Th>
              <Table.Th>Groups</Table.Th>
              <Table.Th>Last request</Table.Th>
              <Table.Th>Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {sources.map((s) => (
              <Table.Tr key={s.slug} style={{ cursor: 'pointer' }} onClick={() => onOpen(s.slug)} data-testid={`source-row-${s.slug}`}>
                <Table.Td fw={500}>{s.name}</Table.Td>
                <Table.Td><Text ff="monospace" size="sm">{s.slug}</Text></Table.Td>
                <Table.Td>{providerInfo(s.provider).label}</Table.Td>
                <Table.Td>{s.counts.users.toLocaleString('en-US')}</Table.Td>
                <Table.Td>{s.counts.groups.toLocaleString('en-US')}</Table.Td>
                <Table.Td>{timeAgo(s.lastRequest)}</Table.Td>
                <Table.Td>
                  <Group gap={6}>
                    {!s.enabled && <Badge color="gray">Disabled</Badge>}
                    {s.enabled && s.requestsLastMinute > 0 && (
                      <Tooltip label={`${count(s.requestsLastMinute, 'request')} in the last minute`}>
                        <Badge color="green" variant="dot">Live</Badge>
                      </Tooltip>
                    )}
                    {s.enabled && s.requestsLastMinute === 0 && <Badge color="gray" variant="dot">Idle</Badge>}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <NewSourceModal
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={(t) => { setCreating(false); setIssued(t); load(); }}
      />
      <IssuedTokenDialog
        issued={issued}
        title="Source created"
        onClose={() => { const slug = issued?.source.slug; setIssued(null); if (slug) onOpen(slug); }}
      />
    </>
  );
}
