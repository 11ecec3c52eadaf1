import { Badge, Group, Paper, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';

import { api } from '../api';
import type { SourceHealth } from '../bindings';
import { clockTime, timeAgo } from '../format';
import { useEventBatches } from '../hub';
import { throttle } from '../live';

/** Entra's cycles as this source saw them: the last request and the last burst of requests. */
export function LastCycle({ slug }: { slug: string }) {
  const [health, setHealth] = useState<SourceHealth | null>(null);
  const reload = useMemo(() => throttle(() => {
    api.sourceHealth(slug).then(setHealth, () => {});
  }, 5000), [slug]);

  useEffect(() => {
    api.sourceHealth(slug).then(setHealth, () => {});
    return () => reload.cancel();
  }, [slug, reload]);
  useEventBatches((b) => {
    if (b.missed > 0 || b.events.some((e) => e.source === slug)) reload();
  });

  const cycle = health?.lastCycle;
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="xs">
        <Title order={5}>Entra’s cycles</Title>
        {health?.quiet && <Badge color="orange" data-testid="source-quiet">Quiet</Badge>}
      </Group>
      <Text size="sm" data-testid="last-request">Last request: {timeAgo(health?.lastRequest)}.</Text>
      <Text size="sm" data-testid="last-cycle">
        {cycle
          ? `Last cycle: ${clockTime(cycle.started)}–${clockTime(cycle.ended)}, ${cycle.requests.toLocaleString('en-US')} requests: `
            + `${cycle.created} created, ${cycle.updated} updated, ${cycle.deleted} deleted, ${cycle.refused} refused.`
          : 'No cycle yet: Entra has not called.'}
      </Text>
      <Text size="xs" c="dimmed" mt="xs">Entra provisions about every 40 minutes (Settings, Entra’s cycles); a source that stays quiet for two cycles is reported.</Text>
    </Paper>
  );
}
