import { Alert, Anchor, Badge, Group, Tabs, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';

import { api, type ApiError } from '../api';
import { useEventBatches } from '../hub';
import { throttle } from '../live';
import { ActivityTab } from '../source/ActivityTab';
import { DirectoryTab } from '../source/DirectoryTab';
import { Overview } from '../source/Overview';
import type { SourceSummary } from '../bindings';

export function SourcePage({ slug, onBack }: { slug: string; onBack: () => void }) {
  const [source, setSource] = useState<SourceSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<string | null>('overview');

  const load = useCallback(() => {
    api.getSource(slug).then((s) => { setSource(s); setError(null); }, (e: ApiError) => setError(e.message));
  }, [slug]);
  const reload = useMemo(() => throttle(load, 1000), [load]);
  useEffect(() => { load(); return () => reload.cancel(); }, [load, reload]);
  useEventBatches((b) => { if (b.missed > 0 || b.events.some((e) => e.source === slug)) reload(); });

  if (error) return <Alert color="red" title="This source cannot be shown">{error} <Anchor onClick={onBack}>Back to Sources</Anchor></Alert>;
  if (!source) return null;

  return (
    <>
      <Anchor size="sm" onClick={onBack}>← Sources</Anchor>
      <Group mb="md" mt={4} gap="sm">
        <Title order={2} data-testid="source-title">{source.name}</Title>
        <Text ff="monospace" c="dimmed">{source.slug}</Text>
        {!source.enabled && <Badge color="gray">Disabled</Badge>}
      </Group>
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="overview" data-testid="tab-overview">Overview</Tabs.Tab>
          <Tabs.Tab value="users" data-testid="tab-users">Provisioned Users ({source.counts.users.toLocaleString('en-US')})</Tabs.Tab>
          <Tabs.Tab value="groups" data-testid="tab-groups">Provisioned Groups ({source.counts.groups.toLocaleString('en-US')})</Tabs.Tab>
          <Tabs.Tab value="activity" data-testid="tab-activity">Activity</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview"><Overview source={source} onChanged={setSource} onDeleted={onBack} /></Tabs.Panel>
        <Tabs.Panel value="users"><DirectoryTab slug={slug} resource="user" /></Tabs.Panel>
        <Tabs.Panel value="groups"><DirectoryTab slug={slug} resource="group" /></Tabs.Panel>
        <Tabs.Panel value="activity"><ActivityTab slug={slug} /></Tabs.Panel>
      </Tabs>
    </>
  );
}
