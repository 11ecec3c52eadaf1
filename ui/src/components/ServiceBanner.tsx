import { Alert, Button, Text } from '@mantine/core';
import { useState } from 'react';

import { api, toApiError } from '../api';
import type { ServerStatus } from '../bindings';

/** The background service the window was attached to stopped: say so, and offer to serve here. */
export function ServiceBanner({ status, onChanged }: { status: ServerStatus | null; onChanged: (s: ServerStatus) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (!status?.serviceStopped) return null;

  const serveHere = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.serveHere());
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Alert color="orange" title="The background service stopped" mb="md" data-testid="service-stopped">
      Nothing answers Entra for this data folder now, and Entra quarantines a job it cannot reach. Start the service again
      (<code>systemctl --user start scimdesk</code>; the window attaches to it by itself), or serve from this window until you quit it.
      {error && <Text c="red" size="sm" mt="xs">{error}</Text>}
      <Button mt="sm" onClick={() => void serveHere()} loading={busy} data-testid="serve-here">Serve from this window</Button>
    </Alert>
  );
}
