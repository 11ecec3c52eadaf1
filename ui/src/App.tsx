import { Alert, AppShell, Group, NavLink, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';

import { api, type ApiError } from './api';
import { HealthBanner } from './components/HealthBanner';
import { ServerBanner } from './components/ServerBanner';
import { ServiceBanner } from './components/ServiceBanner';
import { StatusBar } from './components/StatusBar';
import { publishBatch } from './hub';
import { SettingsPage } from './pages/SettingsPage';
import { SourcePage } from './pages/SourcePage';
import { SourcesPage } from './pages/SourcesPage';
import type { AlertView, CheckReport, ServerStatus } from './bindings';

export type Route = { page: 'sources' } | { page: 'source'; slug: string } | { page: 'settings' };

export default function App() {
  const [route, setRoute] = useState<Route>({ page: 'sources' });
  const [status, setStatus] = useState<ServerStatus | null>(null);
  const [reachability, setReachability] = useState<CheckReport | null>(null);
  const [conditions, setConditions] = useState<AlertView[] | null>(null);
  const [fatal, setFatal] = useState<ApiError | null>(null);

  const refreshStatus = useCallback(() => {
    api.serverStatus().then(setStatus, (e: ApiError) => setFatal(e));
  }, []);

  useEffect(() => {
    // Listen first, then read: a status announced in between is not lost.
    const unlisten = [api.onServerStatus(setStatus), api.onProvisioning(publishBatch), api.onPublicUrlChecked(setReachability), api.onHealthChanged(setConditions)];
    refreshStatus();
    api.publicUrlStatus().then((r) => setReachability((known) => known ?? r), () => {});
    api.healthConditions().then((c) => setConditions((known) => known ?? c), () => {});
    return () => {
      unlisten.forEach((p) => { void p.then((f) => f()); });
    };
  }, [refreshStatus]);

  if (fatal) {
    return (
      <Alert color="red" title="ScimDesk cannot open its data" m="xl" data-testid="fatal-error">
        {fatal.message}
      </Alert>
    );
  }

  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 200, breakpoint: 0 }} footer={{ height: 32 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md">
          <img src="/icon.png" width={26} height={26} alt="" />
          <Title order={4}>ScimDesk</Title>
          <Text size="sm" c="dimmed">SCIM provisioning on your desk</Text>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <NavLink label="Sources" active={route.page !== 'settings'} onClick={() => setRoute({ page: 'sources' })} data-testid="nav-sources" />
        <NavLink label="Settings" active={route.page === 'settings'} onClick={() => setRoute({ page: 'settings' })} data-testid="nav-settings" />
      </AppShell.Navbar>
      <AppShell.Main>
        <ServerBanner status={status} onChanged={setStatus} />
        <ServiceBanner status={status} onChanged={setStatus} />
        <HealthBanner conditions={conditions ?? []} />
        {route.page === 'sources' && <SourcesPage onOpen={(slug) => setRoute({ page: 'source', slug })} />}
        {route.page === 'source' && <SourcePage slug={route.slug} onBack={() => setRoute({ page: 'sources' })} />}
        {route.page === 'settings' && <SettingsPage status={status} onStatus={setStatus} reachability={reachability} />}
      </AppShell.Main>
      <AppShell.Footer>
        <StatusBar status={status} reachability={reachability} />
      </AppShell.Footer>
    </AppShell>
  );
}
