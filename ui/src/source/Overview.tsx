import { Alert, Button, Code, Group, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';

import { api, type ApiError } from '../api';
import { PublicUrlCheck } from '../components/PublicUrlCheck';
import { timeAgo } from '../format';
import type { IssuedTokenView, SourceSummary } from '../bindings';
import { DeleteSourceModal, RotateTokenModal } from './SourceActions';
import { ProviderGuide } from './guides/ProviderGuide';
import { IssuedTokenDialog } from './IssuedTokenDialog';
import { LastCycle } from './LastCycle';
import { providerInfo } from './providers';
import { TokenFallbackDialog } from './TokenFallbackDialog';


interface Props {
  source: SourceSummary;
  onChanged: (s: SourceSummary) => void;
  onDeleted: () => void;
}

export function Overview({ source, onChanged, onDeleted }: Props) {
  const [copying, setCopying] = useState(false);
  const [fallback, setFallback] = useState<{ token: string; reason: string } | null>(null);
  const [keychainError, setKeychainError] = useState<string | null>(null);
  const [rotating, setRotating] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [issued, setIssued] = useState<IssuedTokenView | null>(null);
  const provider = providerInfo(source.provider);

  const copyUrl = async () => {
    try {
      await api.copyText(source.scimBaseUrl);
      notifications.show({ message: 'SCIM Base URL copied.', color: 'green' });
    } catch (e) {
      notifications.show({ title: 'Not copied', message: (e as ApiError).message, color: 'red' });
    }
  };

  const copyToken = async () => {
    setCopying(true);
    setKeychainError(null);
    try {
      const outcome = await api.copyToken(source.slug);
      if (outcome.copied) {
        notifications.show({
          message: `Token copied. The clipboard is cleared in ${outcome.clearAfterSeconds} s.`,
          color: 'green',
        });
      } else {
        setFallback({ token: outcome.token ?? '', reason: outcome.reason ?? 'The clipboard cannot be used.' });
      }
    } catch (e) {
      const err = e as ApiError;
      if (err.kind === 'keychain') setKeychainError(err.message);
      else notifications.show({ title: 'Not copied', message: err.message, color: 'red' });
    } finally {
      setCopying(false);
    }
  };

  const toggle = async (enabled: boolean) => {
    try {
      onChanged(await api.setSourceEnabled(source.slug, enabled));
    } catch (e) {
      notifications.show({ message: (e as ApiError).message, color: 'red' });
    }
  };

  return (
    <Stack>
      <Paper withBorder p="md">
        <Stack gap="xs">
          <Text size="sm" fw={500}>SCIM Base URL ({provider.label}: {provider.baseUrlField})</Text>
          <Group gap="sm" wrap="nowrap">
            <Code style={{ flex: 1, userSelect: 'all', fontSize: 14, padding: 8 }} data-testid="scim-base-url">{source.scimBaseUrl}</Code>
            <Button variant="default" onClick={() => void copyUrl()} data-testid="copy-url">Copy</Button>
          </Group>
          <PublicUrlCheck slug={source.slug} />
          <Text size="sm" fw={500} mt="sm">Token ({provider.label}: {provider.tokenField})</Text>
          <Group gap="sm">
            <Code style={{ padding: 8 }}>{source.tokenPrefix}…</Code>
            <Button onClick={() => void copyToken()} loading={copying} data-testid="copy-token">Copy token</Button>
            <Button variant="default" onClick={() => setRotating(true)} data-testid="rotate-token">Rotate token…</Button>
          </Group>
          {source.previousTokenValidUntil && (
            <Text size="sm" c="dimmed">The previous token is still accepted until {new Date(source.previousTokenValidUntil).toLocaleString()}.</Text>
          )}
          {keychainError && (
            <Alert color="orange" title="The token cannot be read from the keychain" mt="sm" data-testid="keychain-error">
              <Text size="sm">{keychainError}</Text>
              <Text size="sm" mt="xs">Rotating issues a new token and shows it once; the current token stops working, so paste the new one into {provider.label}.</Text>
              <Button mt="sm" size="xs" color="orange" onClick={() => setRotating(true)} data-testid="keychain-rotate">Rotate token</Button>
            </Alert>
          )}
        </Stack>
      </Paper>

      <Paper withBorder p="md">
        <Group justify="space-between">
          <div>
            <Text size="sm" fw={500}>Accept provisioning requests</Text>
            <Text size="sm" c="dimmed">
              Created {timeAgo(source.created)}. Last request {timeAgo(source.lastRequest)}. While disabled, requests are refused with 401 and nothing changes.
            </Text>
          </div>
          <Switch checked={source.enabled} onChange={(e) => void toggle(e.currentTarget.checked)} aria-label="Enabled" data-testid="source-enabled" />
        </Group>
      </Paper>

      <LastCycle slug={source.slug} />

      <ProviderGuide source={source} />

      <Paper withBorder p="md">
        <Title order={5} c="red">Delete this source</Title>
        <Group justify="space-between" mt="xs">
          <Text size="sm" c="dimmed">Removes its users, groups, memberships, activity and keychain entry. This cannot be undone.</Text>
          <Button color="red" variant="outline" onClick={() => setDeleting(true)} data-testid="delete-source">Delete…</Button>
        </Group>
      </Paper>

      <TokenFallbackDialog value={fallback} onClose={() => setFallback(null)} />
      <RotateTokenModal
        opened={rotating}
        slug={source.slug}
        onClose={() => setRotating(false)}
        onRotated={(t) => { setRotating(false); setKeychainError(null); setIssued(t); onChanged(t.source); }}
      />
      <DeleteSourceModal opened={deleting} slug={source.slug} onClose={() => setDeleting(false)} onDeleted={onDeleted} />
      <IssuedTokenDialog issued={issued} title="New token issued" onClose={() => setIssued(null)} />
    </Stack>
  );
}
