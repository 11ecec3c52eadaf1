import { Alert, Badge, Group, Pagination, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useEffect, useMemo, useState } from 'react';

import { api, toApiError } from '../api';
import type { ResourcePage, ScimResource } from '../types';
import { attributeText, count, primaryEmail, timeAgo } from '../format';
import { useEventBatches } from '../hub';
import { throttle, touchesDirectory } from '../live';
import { GroupDetailsDrawer, UserDetailsDrawer } from './DetailsDrawers';

const PAGE_SIZE = 50;

function meta(r: ScimResource): Record<string, unknown> {
  return typeof r.meta === 'object' && r.meta !== null ? (r.meta as Record<string, unknown>) : {};
}

/** Provisioned Users or Provisioned Groups: server-side search and paging, live refresh. */
export function DirectoryTab({ slug, resource }: { slug: string; resource: 'user' | 'group' }) {
  const [text, setText] = useState('');
  const [query] = useDebouncedValue(text, 250);
  // The page belongs to the query it was chosen for: a new query starts at page 1.
  const [pageOf, setPageOf] = useState({ query: '', page: 1 });
  const [result, setResult] = useState<ResourcePage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const page = pageOf.query === query ? pageOf.page : 1;
  const setPage = (p: number) => setPageOf({ query, page: p });

  const load = useCallback(() => {
    api.search(slug, resource, query, (page - 1) * PAGE_SIZE, PAGE_SIZE).then(
      (r) => { setResult(r); setError(null); },
      (e) => setError(toApiError(e).message),
    );
  }, [slug, resource, query, page]);
  const reload = useMemo(() => throttle(load, 500), [load]);
  useEffect(() => { load(); return () => reload.cancel(); }, [load, reload]);
  useEventBatches((b) => {
    if (b.missed > 0 || touchesDirectory(b.events, slug, resource === 'user' ? 'users' : 'groups')) reload();
  });

  const pages = result ? Math.max(1, Math.ceil(result.total / PAGE_SIZE)) : 1;
  const noun = resource === 'user' ? 'user' : 'group';

  return (
    <>
      <Group justify="space-between" mb="sm">
        <TextInput
          placeholder={resource === 'user' ? 'Search by user name, display name or email' : 'Search by display name'}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          w={420}
          data-testid={`${noun}-search`}
        />
        <Text size="sm" c="dimmed" data-testid={`${noun}-total`}>{result ? count(result.total, noun) : ''}</Text>
      </Group>
      {error && <Alert color="red" mb="sm">{error}</Alert>}
      {result && result.total === 0 && (
        <Text c="dimmed" ta="center" p="xl">
          {query ? `No ${noun}s match “${query}”.` : `No ${noun}s have been provisioned yet. They appear here as Entra ID sends them.`}
        </Text>
      )}
      {result && result.total > 0 && (
        <Table highlightOnHover data-testid={`${noun}-table`}>
          <Table.Thead>
            {resource === 'user' ? (
              <Table.Tr><Table.Th>User name</Table.Th><Table.Th>Display name</Table.Th><Table.Th>Email</Table.Th><Table.Th>Status</Table.Th><Table.Th>Changed</Table.Th></Table.Tr>
            ) : (
              <Table.Tr><Table.Th>Display name</Table.Th><Table.Th>External id</Table.Th><Table.Th>Changed</Table.Th></Table.Tr>
            )}
          </Table.Thead>
          <Table.Tbody>
            {result.resources.map((r) => (
              <Table.Tr key={r.id} style={{ cursor: 'pointer' }} onClick={() => setSelected(r.id)} data-testid={`${noun}-row`}>
                {resource === 'user' ? (
                  <>
                    <Table.Td fw={500}>{attributeText(r.userName)}</Table.Td>
                    <Table.Td>{attributeText(r.displayName)}</Table.Td>
                    <Table.Td>{primaryEmail(r)}</Table.Td>
                    <Table.Td>{r.active === false ? <Badge color="red" variant="light">Disabled</Badge> : <Badge color="green" variant="light">Active</Badge>}</Table.Td>
                    <Table.Td>{timeAgo(attributeText(meta(r).lastModified))}</Table.Td>
                  </>
                ) : (
                  <>
                    <Table.Td fw={500}>{attributeText(r.displayName)}</Table.Td>
                    <Table.Td>{attributeText(r.externalId)}</Table.Td>
                    <Table.Td>{timeAgo(attributeText(meta(r).lastModified))}</Table.Td>
                  </>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {pages > 1 && <Pagination mt="md" total={pages} value={page} onChange={setPage} />}
      {resource === 'user'
        ? <UserDetailsDrawer slug={slug} id={selected} onClose={() => setSelected(null)} />
        : <GroupDetailsDrawer slug={slug} id={selected} onClose={() => setSelected(null)} />}
    </>
  );
}
