import { randomUUID } from 'node:crypto';
import type { Store } from '../src/database';
import {
  CommandProcessor,
  createCommand,
  validateCommand,
  type CommandName,
  type TimelineCommand,
} from '../src/timeline';

const UA_REGIONS = [
  'UA-30',
  'UA-32',
  'UA-12',
  'UA-51',
  'UA-23',
  'UA-63',
  'UA-46',
  'UA-48',
  'UA-53',
  'UA-18',
];
const RU_REGIONS = ['RU-BEL', 'RU-KRS', 'RU-BRY', 'RU-VOR', 'RU-LIP'];
const KINDS = ['drone', 'ballistic_missile', 'cruise_missile', 'guided_bomb'] as const;

/** A deterministic pseudo-random generator, so every run builds the same data set. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

function day(r: () => number): string {
  const start = Date.UTC(2022, 1, 24);
  const d = new Date(start + Math.floor(r() * 1500) * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** The body of a synthetic incident command: mostly strikes, as in the real record. */
export function syntheticCommand(
  r: () => number,
  i: number,
): { command: CommandName; body: Record<string, unknown> } {
  const common = {
    incidentId: randomUUID(),
    occurredAt: day(r),
    summary: `Synthetic incident ${i}: reported attack with drones and missiles on ${pick(r, ['Kyiv', 'Odesa', 'Kharkiv', 'Dnipro'])}.`,
    sources: [{ name: pick(r, ['Air Force', 'Regional administration', 'Ministry of Defence']) }],
    tags: [pick(r, ['air-attack', 'shelling', 'drones', 'exchange'])],
  };
  const x = r();
  if (x < 0.6) {
    const ua = r() < 0.8;
    const regions = ua ? UA_REGIONS : RU_REGIONS;
    const weapons = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
      const launched = Math.floor(r() * 200);
      return {
        kind: pick(r, KINDS),
        ...(r() < 0.8 ? { launched } : {}),
        ...(r() < 0.9 ? { intercepted: Math.floor(launched * r()) } : {}),
        ...(r() < 0.5 ? { region: pick(r, regions) } : {}),
      };
    });
    return {
      command: 'report-strike',
      body: {
        ...common,
        location: { country: ua ? 'UA' : 'RU', regions: [pick(r, regions)] },
        attacker: ua ? 'RU' : 'UA',
        weapons,
        ...(r() < 0.4
          ? { casualties: [{ killed: Math.floor(r() * 5), injured: Math.floor(r() * 20) }] }
          : {}),
      },
    };
  }
  if (x < 0.8) {
    return {
      command: 'report-casualties',
      body: {
        ...common,
        location: { country: 'UA', regions: [pick(r, UA_REGIONS)] },
        casualties: [
          { killed: Math.floor(r() * 10), ...(r() < 0.7 ? { injured: Math.floor(r() * 30) } : {}) },
        ],
      },
    };
  }
  if (x < 0.9) {
    return {
      command: 'warn-sanctions',
      body: {
        ...common,
        location: { country: 'BE' },
        issuer: pick(r, ['EU', 'G7', 'US', 'GB']),
        target: 'RU',
      },
    };
  }
  return {
    command: 'record-statement',
    body: {
      ...common,
      location: { country: 'UA' },
      speaker: 'Spokesperson',
      party: 'UA',
      text: 'A statement.',
    },
  };
}

/**
 * Appends `incidents` synthetic incidents through the command processor in batches of 1,000
 * (the /v1/batch path without HTTP), plus a correction for every 20th; returns events/s.
 */
export async function buildDataset(
  store: Store,
  incidents: number,
  seed = 42,
): Promise<{ events: number; seconds: number }> {
  const processor = new CommandProcessor(store);
  const r = random(seed);
  const context = { actor: 'bench', requestId: 'bench', correlationId: 'bench' };
  const started = process.hrtime.bigint();
  let events = 0;
  for (let done = 0; done < incidents;) {
    const size = Math.min(1000, incidents - done);
    const commands: TimelineCommand[] = [];
    const strikes: string[] = [];
    for (let i = 0; i < size; i++) {
      const { command, body } = syntheticCommand(r, done + i);
      const validation = validateCommand(command, body);
      if (!validation.ok)
        throw new Error(`synthetic ${command} invalid: ${JSON.stringify(validation.errors)}`);
      commands.push(createCommand(validation.value, context));
      if (command === 'report-strike' && (done + i) % 20 === 0)
        strikes.push(body.incidentId as string);
    }
    await processor.execute(commands, { batch: true });
    events += commands.length;
    if (strikes.length > 0) {
      const corrections = strikes.map((incidentId) => {
        const validation = validateCommand('correct-incident', {
          incidentId,
          changes: { summary: 'Corrected synthetic strike' },
          reason: 'bench correction',
        });
        if (!validation.ok) throw new Error('bad correction');
        return createCommand(validation.value, context);
      });
      await processor.execute(corrections, { batch: true });
      events += corrections.length;
    }
    done += size;
  }
  return { events, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
