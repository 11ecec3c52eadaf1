import { Alert, Badge, Code, Drawer, Group, Pagination, ScrollArea, Table, Tabs, Text } from '@mantine/core';
import { useEffect, useState } from 'react';

import { api, toApiError } from '../api';
import type { ScimResource, UserResource } from '../types';
import { attributeText, flattenAttributes } from '../format';

const MEMBERS_PAGE = 100;

function Attributes({ resource, skip = [] }: { resource: ScimResource; skip?: string[] }) {
  const rows = flattenAttributes(resource).filter(([k]) => !skip.some((s) => k === s || k.startsWith(`${s}[`) || k.startsWith(`${s}.`)));
  return (
    <Table data-testid="attributes" layout="fixed">
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}><Table.Td w="42%"><Text size="sm" ff="monospace" c="dimmed" style={{ wordBreak: 'break-all' }}>{k}</Text></Table.Td><Table.Td><Text size="sm" style={{ wordBreak: 'break-all' }}>{v}</Text></Table.Td></Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Raw({ resource }: { resource: ScimResource }) {
  return <Code block data-testid="raw-json">{JSON.stringify(resource, null, 2)}</Code>;
}

export function UserDetailsDrawer({ slug, id, onClose }: { slug: string; id: string | null; onClose: () => void }) {
  // What was loaded, with the id it was loaded for: another id shows nothing until its own arrives.
  const [loaded, setLoaded] = useState<{ id: string; details?: UserResource; error?: string } | null>(null);
  useEffect(() => {
    if (id) api.userDetails(slug, id).then((details) => setLoaded({ id, details }), (e) => setLoaded({ id, error: toApiError(e).message }));
  }, [slug, id]);
  const current = loaded && loaded.id === id ? loaded : null;
  const details = current?.details;
  const error = current?.error;
  const user = details?.user;
  return (
    <Drawer opened={id !== null} onClose={onClose} position="right" size="xl" title={user ? attributeText(user.userName) : 'User'} scrollAreaComponent={ScrollArea.Autosize}>
      {error && <Alert color="red">{error}</Alert>}
      {user && details && (
        <>
          <Group mb="sm">
            {user.active === false ? <Badge color="red">Disabled</Badge> : <Badge color="green">Active</Badge>}
            <Text size="sm" c="dimmed">{attributeText(user.displayName)}</Text>
          </Group>
          <Tabs defaultValue="attributes">
            <Tabs.List mb="sm">
              <Tabs.Tab value="attributes">Attributes</Tabs.Tab>
              <Tabs.Tab value="groups">Groups ({details.groups.length})</Tabs.Tab>
              <Tabs.Tab value="raw">Raw SCIM JSON</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="attributes"><Attributes resource={user} skip={['schemas']} /></Tabs.Panel>
            <Tabs.Panel value="groups">
              {details.groups.length === 0 ? <Text c="dimmed" size="sm">Not a member of any group.</Text> : (
                <Table data-testid="user-groups"><Table.Tbody>{details.groups.map((g) => <Table.Tr key={g.id}><Table.Td>{g.displayName}</Table.Td></Table.Tr>)}</Table.Tbody></Table>
              )}
            </Tabs.Panel>
            <Tabs.Panel value="raw"><Raw resource={user} /></Tabs.Panel>
          </Tabs>
        </>
      )}
    </Drawer>
  );
}

export function GroupDetailsDrawer({ slug, id, onClose }: { slug: string; id: string | null; onClose: () => void }) {
  const [loaded, setLoaded] = useState<{ id: string; group?: ScimResource; error?: string } | null>(null);
  const [pageOf, setPageOf] = useState<{ id: string | null; page: number }>({ id: null, page: 1 });
  useEffect(() => {
    if (id) api.groupDetails(slug, id).then((group) => setLoaded({ id, group }), (e) => setLoaded({ id, error: toApiError(e).message }));
  }, [slug, id]);
  const current = loaded && loaded.id === id ? loaded : null;
  const group = current?.group;
  const error = current?.error;
  const page = pageOf.id === id ? pageOf.page : 1;
  const setPage = (p: number) => setPageOf({ id, page: p });
  const members = (group?.members as Array<Record<string, unknown>> | undefined) ?? [];
  const shown = members.slice((page - 1) * MEMBERS_PAGE, page * MEMBERS_PAGE);
  return (
    <Drawer opened={id !== null} onClose={onClose} position="right" size="xl" title={group ? attributeText(group.displayName) : 'Group'} scrollAreaComponent={ScrollArea.Autosize}>
      {error && <Alert color="red">{error}</Alert>}
      {group && (
        <Tabs defaultValue="members">
          <Tabs.List mb="sm">
            <Tabs.Tab value="members">Members ({members.length.toLocaleString('en-US')})</Tabs.Tab>
            <Tabs.Tab value="attributes">Attributes</Tabs.Tab>
            <Tabs.Tab value="raw">Raw SCIM JSON</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="members">
            {members.length === 0 ? <Text c="dimmed" size="sm">No members.</Text> : (
              <Table data-testid="group-members">
                <Table.Thead><Table.Tr><Table.Th>Member</Table.Th><Table.Th>Type</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {shown.map((m) => (
                    <Table.Tr key={attributeText(m.value)}><Table.Td>{attributeText(m.display ?? m.value)}</Table.Td><Table.Td>{attributeText(m.type)}</Table.Td></Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            {members.length > MEMBERS_PAGE && <Pagination mt="sm" total={Math.ceil(members.length / MEMBERS_PAGE)} value={page} onChange={setPage} />}
          </Tabs.Panel>
          <Tabs.Panel value="attributes"><Attributes resource={group} skip={['schemas', 'members']} /></Tabs.Panel>
          <Tabs.Panel value="raw"><Raw resource={{ ...group, members: members.length > MEMBERS_PAGE ? `${members.length} members (see Members)` : group.members }} /></Tabs.Panel>
        </Tabs>
      )}
    </Drawer>
  );
}
