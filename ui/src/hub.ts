// One subscription to the shell's event batches for the whole window, shared by the pages.

import { useEffect, useEffectEvent } from 'react';

import type { EventBatch } from './bindings';

type Listener = (batch: EventBatch) => void;
const listeners = new Set<Listener>();

/** Deliver a batch to every page that listens (App calls this from the api subscription). */
export function publishBatch(batch: EventBatch): void {
  for (const l of listeners) l(batch);
}

/** Receive event batches while the component is mounted. */
export function useEventBatches(handler: Listener): void {
  // The newest handler, without re-subscribing on every render.
  const onBatch = useEffectEvent(handler);
  useEffect(() => {
    const l: Listener = (b) => onBatch(b);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
}
