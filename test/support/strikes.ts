import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/database';
import { appendToStreams, type StreamAppend } from '../../src/event-store';
import { CURRENT_SCHEMA_VERSION } from '../../src/timeline';
import { logReadable } from './read-models';

/**
 * The n-th strike as a raw append (no command handler): a new incident's stream with one
 * StrikeReported, one drone line, launched 1..5 (`(n % 5) + 1`), intercepted 1.
 */
export function strikeAppend(n: number): StreamAppend {
  return {
    streamId: `incident-${randomUUID()}`,
    expectedVersion: 'none',
    events: [
      {
        eventId: randomUUID(),
        type: 'StrikeReported',
        schemaVersion: CURRENT_SCHEMA_VERSION,
        data: {
          occurredAt: '2025-05-24',
          location: { country: 'UA', regions: [n % 2 === 0 ? 'UA-30' : 'UA-12'] },
          attacker: 'RU',
          weapons: [{ kind: 'drone', launched: (n % 5) + 1, intercepted: 1 }],
          summary: `Strike ${n}`,
          sources: [{ name: 'Load test' }],
        },
        metadata: { actor: 'load', correlationId: 'load', causationId: 'load', requestId: 'load' },
      },
    ],
  };
}

/** Appends strikes 0..n-1 (`strikeAppend`) in one call and waits until readers of the log see them. */
export async function appendStrikes(db: Kysely<Database>, n: number): Promise<void> {
  await appendToStreams(
    db,
    Array.from({ length: n }, (_, i) => strikeAppend(i)),
  );
  await logReadable(db);
}
