import { randomUUID } from 'node:crypto';
import type { StreamAppend } from '../../src/event-store';
import { CURRENT_SCHEMA_VERSION } from '../../src/timeline';

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
