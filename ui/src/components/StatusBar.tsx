import { Group, Text } from '@mantine/core';

import type { ServerStatus } from '../bindings';
import { servedBy } from '../format';

function Dot({ color }: { color: string }) {
  return <span style={{ display: 'inline-block', width: 8, height: 8, borderRadius: 4, background: color }} />;
}

/** Where the server listens and the public URL: always visible at the bottom of the window. */
export function StatusBar({ status }: { status: ServerStatus | null }) {
  let server;
  if (!status || status.starting) {
    server = <><Dot color="var(--mantine-color-gray-5)" /><Text size="xs">Starting the SCIM server…</Text></>;
  } else if (status.attached) {
    server = <><Dot color="var(--mantine-color-green-6)" /><Text size="xs" data-testid="status-listening">{servedBy(status)}</Text></>;
  } else if (status.serviceStopped) {
    server = <><Dot color="var(--mantine-color-red-6)" /><Text size="xs" data-testid="status-listening">Not serving: the background service stopped</Text></>;
  } else if (status.listening) {
    server = <><Dot color="var(--mantine-color-green-6)" /><Text size="xs" data-testid="status-listening">Listening on {status.listening}</Text></>;
  } else {
    server = <><Dot color="var(--mantine-color-red-6)" /><Text size="xs" data-testid="status-listening">Not listening{status.requested ? ` (${status.requested} is unavailable)` : ''}</Text></>;
  }
  return (
    <Group h="100%" px="md" gap="lg" justify="space-between">
      <Group gap={6}>{server}</Group>
      <Text size="xs" c="dimmed" data-testid="status-public-url">
        Public URL: {status?.publicUrl ?? 'not set (Settings)'}
      </Text>
    </Group>
  );
}
