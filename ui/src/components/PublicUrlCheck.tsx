import { Alert, Button, Stack } from '@mantine/core';
import { useState } from 'react';

import { api, toApiError } from '../api';
import type { CheckReport } from '../bindings';
import { sentence } from '../format';

/** "Check": can Entra reach `slug` through the public URL? Shows what was found and what to do. */
export function PublicUrlCheck({ slug }: { slug: string | null }) {
  const [report, setReport] = useState<CheckReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const check = async () => {
    if (!slug) return;
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await api.checkPublicUrl(slug));
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="xs" align="flex-start">
      <Button variant="default" onClick={() => void check()} loading={busy} disabled={!slug} data-testid="check-public-url">
        Check that Entra can reach it
      </Button>
      {report && (
        <Alert color={report.outcome.result === 'reachable' ? 'green' : 'red'} data-testid="check-result" data-result={report.outcome.result} w="100%">
          {sentence(report.message)}
        </Alert>
      )}
      {error && <Alert color="red" w="100%">{sentence(error)}</Alert>}
    </Stack>
  );
}
