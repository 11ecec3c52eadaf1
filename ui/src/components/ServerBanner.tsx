import { Alert, Button, Group, TextInput } from '@mantine/core';
import { useState } from 'react';

import { api, toApiError } from '../api';
import { sentence, suggestNextPort } from '../format';
import type { ServerStatus } from '../bindings';

/** When the server could not start (port taken), say so and let the admin pick another address. */
export function ServerBanner({ status, onChanged }: { status: ServerStatus | null; onChanged: (s: ServerStatus) => void }) {
  /** What the admin typed, for the address that failed when they typed it. */
  const [typed, setTyped] = useState<{ failed: string; bind: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const failed = status?.requested ?? '';
  const bind = typed?.failed === failed ? typed.bind : suggestNextPort(failed);

  if (!status || status.starting || status.listening || !status.error) return null;

  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.restartServer(bind));
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Alert color="red" title="The SCIM server is not running" mb="md" data-testid="server-error">
      {sentence(status.error.message)}
      <Group mt="sm" align="flex-start">
        <TextInput
          aria-label="Listen address"
          value={bind}
          onChange={(e) => setTyped({ failed, bind: e.currentTarget.value })}
          error={error}
          w={260}
          data-testid="banner-bind"
        />
        <Button onClick={() => void retry()} loading={busy} data-testid="banner-listen">Listen here</Button>
      </Group>
    </Alert>
  );
}
