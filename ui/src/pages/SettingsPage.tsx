import { Alert, Button, Code, Group, NumberInput, Paper, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';

import { api, type ApiError } from '../api';
import type { CheckReport, NotificationKind, ServerStatus, SettingsView } from '../bindings';
import { PublicUrlCheck } from '../components/PublicUrlCheck';
import { sentence, servedBy } from '../format';

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="md">
      <Title order={5} mb="sm">{title}</Title>
      {children}
    </Paper>
  );
}

const NOTIFICATION_LABELS: Record<NotificationKind, string> = {
  publicUrl: 'Entra can no longer reach ScimDesk through the public URL (or can again)',
  quietSource: 'A provisioned source has been quiet for longer than two of Entra’s cycles',
  refusals: 'A burst of refused requests (a token mismatch, a wrong Tenant URL)',
};

interface Props {
  status: ServerStatus | null;
  onStatus: (s: ServerStatus) => void;
  reachability: CheckReport | null;
}

export function SettingsPage({ status, onStatus, reachability }: Props) {
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [bind, setBind] = useState('');
  const [publicUrl, setPublicUrl] = useState('');
  const [clearSeconds, setClearSeconds] = useState<number | string>(60);
  const [cycleInterval, setCycleInterval] = useState('');
  const [launchAtLogin, setLaunchAtLogin] = useState<boolean | null>(null);
  const [notify, setNotify] = useState<Partial<Record<NotificationKind, boolean>>>({});
  const [firstSlug, setFirstSlug] = useState<string | null>(null);
  const [errors, setErrors] = useState<{ bind?: string; url?: string; clear?: string; login?: string; cycle?: string }>({});
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    api.getSettings().then((s) => {
      setSettings(s);
      setBind(status?.listening ?? s.bind);
      setPublicUrl(s.publicUrl ?? '');
      setClearSeconds(s.clipboardClearSeconds);
      setCycleInterval(s.cycleInterval);
    }, (e: ApiError) => setLoadError(e.message));
    api.launchAtLogin().then(setLaunchAtLogin, (e: ApiError) => setErrors((old) => ({ ...old, login: e.message })));
    api.notificationSettings().then((list) => setNotify(Object.fromEntries(list.map((n) => [n.kind, n.enabled]))), () => {});
    api.listSources().then((list) => setFirstSlug(list[0]?.slug ?? null), () => {});
    // Read once; the fields are the admin's from then on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const perform = async (key: 'bind' | 'url' | 'clear' | 'login' | 'cycle', action: () => Promise<string>) => {
    setBusy(key);
    setErrors((e) => ({ ...e, [key]: undefined }));
    try {
      notifications.show({ message: await action(), color: 'green' });
    } catch (e) {
      setErrors((old) => ({ ...old, [key]: (e as ApiError).message }));
    } finally {
      setBusy(null);
    }
  };

  const run = (key: 'bind' | 'url' | 'clear' | 'login' | 'cycle', action: () => Promise<string>) => void perform(key, action);

  if (loadError) return <Alert color="red">{loadError}</Alert>;
  if (!settings) return null;

  return (
    <Stack maw={760}>
      <Title order={2}>Settings</Title>
      <Section title="Listen address">
        <Text size="sm" c="dimmed" mb="xs">
          Where the SCIM server listens. Keep 127.0.0.1 and point your tunnel at this port. The server restarts when you apply a new address.
        </Text>
        {status?.attached && (
          <Text size="sm" mb="xs" data-testid="settings-bind-attached">
            {servedBy(status)}. The service chooses where it listens: run <Code>scimdesk config set bind ADDRESS</Code> and restart it to move it.
          </Text>
        )}
        <Group align="flex-start">
          <TextInput value={bind} onChange={(e) => setBind(e.currentTarget.value)} error={errors.bind} w={260} aria-label="Listen address" data-testid="settings-bind" disabled={status?.attached} />
          <Button loading={busy === 'bind'} disabled={status?.attached} data-testid="settings-bind-apply" onClick={() => run('bind', async () => {
            const s = await api.restartServer(bind);
            onStatus(s);
            return `The SCIM server now listens on ${s.listening}.`;
          })}>Apply and restart</Button>
        </Group>
        {status?.bindFromEnvironment && (
          <Text size="xs" c="dimmed" mt="xs">SCIMDESK_BIND chose the address at start-up; an address applied here is saved and used whenever SCIMDESK_BIND is not set.</Text>
        )}
      </Section>
      <Section title="Public URL">
        <Text size="sm" c="dimmed" mb="xs">
          The https address of your tunnel (cloudflared, ngrok, Tailscale Funnel). It only changes the SCIM Base URL shown to you; leave it empty to show the local address.
        </Text>
        <Group align="flex-start">
          <TextInput value={publicUrl} onChange={(e) => setPublicUrl(e.currentTarget.value)} placeholder="https://scim.example.com" error={errors.url} w={420} aria-label="Public URL" data-testid="settings-public-url" />
          <Button loading={busy === 'url'} data-testid="settings-public-url-save" onClick={() => run('url', async () => {
            onStatus(await api.setPublicUrl(publicUrl));
            return publicUrl.trim() ? 'Public URL saved.' : 'Public URL cleared.';
          })}>Save</Button>
        </Group>
        <Text size="sm" mt="sm" data-testid="settings-reachability">
          {reachability ? sentence(reachability.message) : 'Checked every 5 minutes and whenever it changes.'}
        </Text>
        <Group mt="xs">
          <PublicUrlCheck slug={firstSlug} />
        </Group>
      </Section>
      <Section title="Clipboard">
        <Text size="sm" c="dimmed" mb="xs">After “Copy token”, the clipboard is cleared after this many seconds if it still holds the token.</Text>
        <Group align="flex-start">
          <NumberInput value={clearSeconds} onChange={setClearSeconds} min={5} max={3600} suffix=" s" error={errors.clear} w={160} aria-label="Clipboard clear time" data-testid="settings-clipboard-seconds" />
          <Button loading={busy === 'clear'} data-testid="settings-clipboard-save" onClick={() => run('clear', async () => {
            await api.setClipboardClearSeconds(Number(clearSeconds));
            return 'Clipboard clear time saved.';
          })}>Save</Button>
        </Group>
      </Section>
      <Section title="Start at login">
        <Text size="sm" c="dimmed" mb="xs">
          Entra ID calls about every 40 minutes and quarantines a job that cannot reach ScimDesk. Started at login, ScimDesk serves from the tray without opening its window; closing the window never stops the server, only Quit in the tray does.
        </Text>
        <Switch
          label="Start ScimDesk when I log in"
          checked={launchAtLogin ?? false}
          disabled={launchAtLogin === null || busy === 'login'}
          error={errors.login}
          data-testid="settings-launch-at-login"
          onChange={(e) => {
            const enabled = e.currentTarget.checked;
            run('login', async () => {
              const now = await api.setLaunchAtLogin(enabled);
              setLaunchAtLogin(now);
              return now ? 'ScimDesk will start in the tray when you log in.' : 'ScimDesk will no longer start when you log in.';
            });
          }}
        />
      </Section>
      <Section title="Entra’s cycles">
        <Text size="sm" c="dimmed" mb="xs">
          How often Entra provisions (about every 40 minutes). A source that has been provisioned and then stays quiet for two of these is reported.
        </Text>
        <Group align="flex-start">
          <TextInput value={cycleInterval} onChange={(e) => setCycleInterval(e.currentTarget.value)} error={errors.cycle} w={160} aria-label="Cycle interval" data-testid="settings-cycle-interval" />
          <Button loading={busy === 'cycle'} data-testid="settings-cycle-interval-save" onClick={() => run('cycle', async () => {
            const saved = await api.setCycleInterval(cycleInterval);
            setCycleInterval(saved);
            return `Entra’s cycle interval is ${saved}.`;
          })}>Save</Button>
        </Group>
      </Section>
      <Section title="Notifications">
        <Text size="sm" c="dimmed" mb="xs">ScimDesk tells you through your desktop’s notifications, also with its window closed, when:</Text>
        <Stack gap="xs">
          {(Object.keys(NOTIFICATION_LABELS) as NotificationKind[]).map((kind) => (
            <Switch
              key={kind}
              label={NOTIFICATION_LABELS[kind]}
              checked={notify[kind] ?? true}
              data-testid={`settings-notify-${kind}`}
              onChange={(e) => {
                const enabled = e.currentTarget.checked;
                setNotify((old) => ({ ...old, [kind]: enabled }));
                api.setNotification(kind, enabled).catch((err: ApiError) => {
                  setNotify((old) => ({ ...old, [kind]: !enabled }));
                  notifications.show({ message: err.message, color: 'red' });
                });
              }}
            />
          ))}
        </Stack>
      </Section>
      <Section title="Files">
        <Stack gap={6}>
          <Text size="sm">Data directory: <Code>{settings.dataDir}</Code></Text>
          <Text size="sm">Database: <Code>{settings.databasePath}</Code></Text>
          <Text size="sm">Log files: <Code>{settings.logDir}/{settings.logFilePrefix}.*</Code></Text>
          <Text size="xs" c="dimmed">SCIMDESK_DATA_DIR sets another data directory at start-up.</Text>
        </Stack>
      </Section>
    </Stack>
  );
}
