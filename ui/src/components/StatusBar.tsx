import { Group, Text, Tooltip } from '@mantine/core';

import type { CheckReport, ServerStatus } from '../bindings';
import { sentence, servedBy } from '../format';

function Dot({ color }: { color: string }) {
  return <span style={{ display: 'inline-block', width: 8, height: 8, borderRadius: 4, background: color }} />;
}

/** Where the server listens and the public URL: always visible at the bottom of the window. */
/** The public URL's status light: can Entra reach ScimDesk through it, as last checked? */
function reachabilityLight(report: CheckReport | null): { color: string; state: string; label: string } {
  if (!report) return { color: 'var(--mantine-color-gray-5)', state: 'unknown', label: 'not checked yet' };
  switch (report.outcome.result) {
    case 'reachable': return { color: 'var(--mantine-color-green-6)', state: 'reachable', label: `reachable (${report.outcome.roundTripMs} ms)` };
    case 'noPublicUrl': return { color: 'var(--mantine-color-gray-5)', state: 'none', label: 'not set (Settings)' };
    default: return { color: 'var(--mantine-color-red-6)', state: 'unreachable', label: 'Entra cannot reach it' };
  }
}

export function StatusBar({ status, reachability }: { status: ServerStatus | null; reachability: CheckReport | null }) {
  const light = reachabilityLight(reachability);
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
      <Tooltip label={reachability ? sentence(reachability.message) : 'The public URL is checked every 5 minutes and when it changes.'} multiline w={360}>
        <Group gap={6}>
          <span data-testid="status-reachability" data-state={light.state}><Dot color={light.color} /></span>
          <Text size="xs" c="dimmed" data-testid="status-public-url">
            Public URL: {status?.publicUrl ? `${status.publicUrl} · ${light.label}` : 'not set (Settings)'}
          </Text>
        </Group>
      </Tooltip>
    </Group>
  );
}
