import { Alert, Button, Group, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';

import { api, type ApiError } from '../api';
import { sentence, suggestNextPort } from '../format';
import type { ServerStatus } from '../types';

/** When the server could not start (port taken), say so and let the admin pick another address. */
export function ServerBanner({ status, onChanged }: { status: ServerStatus | null; onChanged: (s: ServerStatus) => void }) {
  const [bind, setBind] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (status?.requested) setBind(suggestNextPort(status.requested));
  }, [status?.requested]);

  if (!status || status.starting || status.listening || !status.error) return null;

  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.restartServer(bind));
    } catch (e) {
      setError((e as ApiError).message);
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
          onChange={(e) => setBind(e.currentTarget.value)}
          error={error}
          w={260}
          data-testid="banner-bind"
        />
        <Button onClick={retry} loading={busy} data-testid="banner-listen">Listen here</Button>
      </Group>
    </Alert>
  );
}
