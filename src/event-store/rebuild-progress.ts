/** How far a rebuild has come, as this process knows it. */
export interface RebuildProgress {
  processed: number;
  total: number;
}

const progress = new Map<string, RebuildProgress>();

/**
 * Records a rebuild's progress for /metrics (`timeline_projection_rebuild_*`): call it from the
 * rebuild loop; `clearRebuildProgress` when it ends. Process-local and cheap; the scrape also
 * reads the `rebuild` state of `event_store.projections`, so other instances see it too.
 */
export function setRebuildProgress(name: string, processed: number, total: number): void {
  progress.set(name, { processed, total });
}

/** Forgets a projection's rebuild progress (the rebuild finished or stopped). */
export function clearRebuildProgress(name: string): void {
  progress.delete(name);
}

/** Every rebuild in progress in this process, by projection name. */
export function rebuildProgress(): ReadonlyMap<string, RebuildProgress> {
  return progress;
}
