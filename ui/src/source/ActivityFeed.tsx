// The newest requests of a source, as a table that grows at the top while Entra provisions.
//
// Every request adds a row, so a row is kept cheap: with a Mantine Text or Badge per cell, all
// rows re-rendered for every batch, the page process grew from 454 to 553 MiB over ten 150-user
// cycles, and hardly at all without the feed (issue 11, BENCHMARKS.md). Rows are plain table
// markup styled by ActivityFeed.module.css, and a row that has been drawn is not rendered again
// (live.ts keeps each FeedItem object as it is).

import { Text } from '@mantine/core';
import { memo } from 'react';

import { clockTime, latency } from '../format';
import type { FeedItem } from '../live';
import classes from './ActivityFeed.module.css';

/** Rows shown; the live state keeps more (FEED_LIMIT) for the merge with the activity log. */
export const FEED_SHOWN = 100;

const FeedRow = memo(function FeedRow({ item }: { item: FeedItem }) {
  return (
    <tr>
      <td className={classes.mono}>{clockTime(item.time)}</td>
      <td><span className={classes.kind} data-kind={item.kind}>{item.kind}</span></td>
      <td>
        {item.summary}
        {item.method && <span className={classes.request}>{item.method} {item.path}</span>}
      </td>
      <td className={item.status >= 400 ? classes.refused : undefined}>{item.status}</td>
      <td>{latency(item.latencyMs)}</td>
    </tr>
  );
});

export const ActivityFeed = memo(function ActivityFeed({ feed }: { feed: FeedItem[] }) {
  if (feed.length === 0) {
    return <Text c="dimmed" ta="center" p="lg">Nothing yet. Requests from Entra ID appear here as they arrive.</Text>;
  }
  return (
    <table className={classes.feed} data-testid="activity-feed">
      <thead>
        <tr><th style={{ width: 90 }}>Time</th><th style={{ width: 110 }}>Kind</th><th>What happened</th><th style={{ width: 70 }}>Status</th><th style={{ width: 80 }}>Latency</th></tr>
      </thead>
      <tbody>
        {feed.slice(0, FEED_SHOWN).map((item) => <FeedRow key={item.key} item={item} />)}
      </tbody>
    </table>
  );
});
