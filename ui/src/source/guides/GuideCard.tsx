import { Alert, List, Paper, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

import type { SourceSummary } from '../../bindings';

interface Props {
  source: SourceSummary;
  title: string;
  /** Who must reach the SCIM Base URL, and the console field it goes in (for the tunnel notice). */
  provider: string;
  field: string;
  testId: string;
  /** The numbered steps (`List.Item`s). */
  children: ReactNode;
  note?: ReactNode;
}

/** A provider's setup steps, with a notice while the SCIM Base URL is an address on this computer. */
export function GuideCard({ source, title, provider, field, testId, children, note }: Props) {
  const local = /^http:\/\/(127\.|localhost|\[::1\])/.test(source.scimBaseUrl);
  return (
    <Paper withBorder p="md" data-testid={testId}>
      <Title order={5} mb="xs">{title}</Title>
      {local && (
        <Alert color="yellow" mb="sm">
          {provider} cannot reach an address on this computer. Run a tunnel (cloudflared, ngrok or Tailscale Funnel) to this
          computer's listen address and set its https address as the public URL in Settings; the {field} below then uses it.
        </Alert>
      )}
      <List type="ordered" spacing="xs" size="sm">{children}</List>
      {note && <Text size="xs" c="dimmed" mt="xs">{note}</Text>}
    </Paper>
  );
}
