import { Alert, Stack } from '@mantine/core';

import type { AlertView } from '../bindings';

/** What needs the admin now: a source Entra stopped calling, requests being refused. */
export function HealthBanner({ conditions }: { conditions: AlertView[] }) {
  if (conditions.length === 0) return null;
  return (
    <Stack gap="xs" mb="md">
      {conditions.map((c) => (
        <Alert key={`${c.slug}-${c.alert.kind}`} color="orange" title={c.title} data-testid="health-alert">
          {c.message}
        </Alert>
      ))}
    </Stack>
  );
}
