/**
 * Random histories of commands for property tests of the read side: a few incidents (strikes,
 * casualty reports, exchanges, agreements, sanctions) recorded, corrected (counts, regions,
 * figures removed with null) and retracted. fast-check generates a script of abstract steps;
 * `interpret` turns it into commands that the service must accept, in order.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { mergePatch, type SentCommand } from './reference';

type Json = Record<string, any>;

export const SLOT_TYPES = [
  'strike',
  'casualties',
  'exchange',
  'agreement',
  'warn',
  'impose',
] as const;
export type SlotType = (typeof SLOT_TYPES)[number];

const COMMAND: Record<SlotType, string> = {
  strike: 'report-strike',
  casualties: 'report-casualties',
  exchange: 'record-prisoner-exchange',
  agreement: 'record-prisoner-exchange-agreement',
  warn: 'warn-sanctions',
  impose: 'impose-sanctions',
};

const REGIONS: Record<string, readonly string[]> = {
  UA: ['UA-30', 'UA-12', 'UA-51', 'UA-63', 'UA-23'],
  RU: ['RU-BEL', 'RU-KRS'],
};

/** Optional figure: absent (unknown) or a count, 0 included. */
const figure = fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined });

/** Everything one step may need, whatever the incident's type (the interpreter picks). */
const stepValues = fc.record({
  /** Days after 1 April 2025. */
  day: fc.integer({ min: 0, max: 120 }),
  /** An instant on that day (UTC hour) instead of the day itself. */
  hour: fc.option(fc.integer({ min: 0, max: 23 }), { nil: undefined }),
  /** occurredUntil: days after occurredAt. */
  untilDays: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  regions: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), {
    nil: undefined,
  }),
  attacker: fc.constantFrom('RU', 'UA', 'BY'),
  weapons: fc.array(
    fc.record({
      kind: fc.constantFrom('drone', 'ballistic_missile', 'cruise_missile'),
      launched: figure,
      intercepted: figure,
      region: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  casualties: fc.array(
    fc.record({
      killed: figure,
      injured: figure,
      atLeast: fc.option(fc.boolean(), { nil: undefined }),
      region: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  released: fc.array(
    fc.record({ by: fc.constantFrom('UA', 'RU', 'BY'), count: fc.integer({ min: 0, max: 400 }) }),
    { minLength: 1, maxLength: 3 },
  ),
  agreement: fc.option(fc.nat(), { nil: undefined }),
  mediator: fc.option(fc.constantFrom('AE', 'TR'), { nil: undefined }),
  parties: fc.constantFrom(['UA', 'RU'], ['RU', 'UA'], ['UA', 'BY']),
  totalPerSide: fc.integer({ min: 1, max: 1000 }),
  issuer: fc.constantFrom('EU', 'G7', 'US'),
  target: fc.constantFrom('RU', 'BY'),
  tags: fc.option(fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 2 }), {
    nil: undefined,
  }),
  /** Which fields a correction changes (besides the summary, which it always changes). */
  change: fc.uniqueArray(
    fc.constantFrom(
      'occurredAt',
      'occurredUntil',
      'regions',
      'tags',
      'lines',
      'more',
      'removeRegions',
      'removeOptional',
    ),
    { maxLength: 4 },
  ),
});

export type StepValues = typeof stepValues extends fc.Arbitrary<infer T> ? T : never;

/** One step of a script: what to do to which incident slot. */
export interface Step {
  slot: number;
  action: 'write' | 'retract';
  /** Send this step in one batch with the previous one. */
  joinPrevious: boolean;
  /** Let the projections catch up after this step. */
  catchUp: boolean;
  values: StepValues;
}

/** A script: the type of each incident slot, and the steps. */
export interface Script {
  slots: SlotType[];
  steps: Step[];
}

/** Scripts of up to `maxSteps` steps over 3..6 incident slots. */
export function scriptArbitrary(maxSteps = 30, minSteps = 1): fc.Arbitrary<Script> {
  return fc.record({
    slots: fc.array(fc.constantFrom(...SLOT_TYPES), { minLength: 3, maxLength: 6 }),
    steps: fc.array(
      fc.record({
        slot: fc.nat({ max: 5 }),
        action: fc.constantFrom<Step['action']>(
          'write',
          'write',
          'write',
          'write',
          'write',
          'write',
          'write',
          'write',
          'retract',
        ),
        joinPrevious: fc.boolean(),
        catchUp: fc.boolean(),
        values: stepValues,
      }),
      // Long histories as often as short ones (fast-check favours small arrays otherwise).
      { minLength: minSteps, maxLength: maxSteps, size: 'max' },
    ),
  });
}

/** A group of commands sent together (one command, or a batch). */
export interface CommandGroup {
  commands: SentCommand[];
  /** Catch the projections up after this group. */
  catchUp: boolean;
}

function dateOf(day: number): string {
  return new Date(Date.UTC(2025, 3, 1 + day)).toISOString().slice(0, 10);
}

interface SlotState {
  type: SlotType;
  incidentId: string;
  country: string;
  body?: Json;
  retracted: boolean;
}

function occurred(v: StepValues): Json {
  const date = dateOf(v.day);
  const occurredAt =
    v.hour === undefined ? date : `${date}T${String(v.hour).padStart(2, '0')}:30:00.000Z`;
  // From 21:00 UTC it is the next day in Kyiv: a span must not end before it starts.
  const kyivDay = v.hour !== undefined && v.hour >= 21 ? v.day + 1 : v.day;
  return {
    occurredAt,
    ...(v.untilDays !== undefined ? { occurredUntil: dateOf(kyivDay + v.untilDays) } : {}),
  };
}

function regionList(country: string, picks: readonly number[] | undefined): string[] | undefined {
  const all = REGIONS[country];
  if (!all || picks === undefined) return undefined;
  return [...new Set(picks.map((i) => all[i % all.length]!))];
}

function regionOf(country: string, pick: number | undefined): Json {
  const all = REGIONS[country];
  return all && pick !== undefined ? { region: all[pick % all.length] } : {};
}

function defined(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function weaponLines(country: string, v: StepValues): Json[] {
  return v.weapons.map((w) => {
    const both = w.launched !== undefined && w.intercepted !== undefined;
    return defined({
      kind: w.kind,
      launched: w.launched,
      // intercepted ≤ launched where both are given
      intercepted: both ? Math.min(w.intercepted!, w.launched!) : w.intercepted,
      ...regionOf(country, w.region),
    });
  });
}

function casualtyLines(country: string, v: StepValues): Json[] {
  return v.casualties.map((c) =>
    defined({
      killed: c.killed,
      injured: c.injured,
      atLeast: c.atLeast,
      ...regionOf(country, c.region),
    }),
  );
}

/** The live agreements (for an exchange to reference). */
function liveAgreements(slots: readonly SlotState[]): string[] {
  return slots
    .filter((s) => s.type === 'agreement' && s.body && !s.retracted)
    .map((s) => s.incidentId);
}

function agreementPick(slots: readonly SlotState[], pick: number | undefined): string | undefined {
  const agreements = liveAgreements(slots);
  return pick === undefined || agreements.length === 0
    ? undefined
    : agreements[pick % agreements.length];
}

function newBody(slot: SlotState, slots: readonly SlotState[], v: StepValues, n: number): Json {
  const country = slot.country;
  const regions = regionList(country, v.regions);
  const common = {
    ...occurred(v),
    location: defined({ country, regions, place: n % 3 === 0 ? `Place ${n}` : undefined }),
    summary: `Incident ${n} as first reported`,
    sources: [{ name: `Source ${n % 4}` }],
    ...(v.tags !== undefined ? { tags: v.tags } : {}),
  };
  switch (slot.type) {
    case 'strike':
      return {
        ...common,
        attacker: v.attacker,
        weapons: weaponLines(country, v),
        ...(v.casualties.length > 1 ? { casualties: casualtyLines(country, v) } : {}),
      };
    case 'casualties':
      return { ...common, casualties: casualtyLines(country, v) };
    case 'exchange': {
      const agreementId = agreementPick(slots, v.agreement);
      return defined({
        ...common,
        released: v.released,
        agreementId,
        mediator: v.mediator,
      });
    }
    case 'agreement':
      return { ...common, parties: v.parties, totalPerSide: v.totalPerSide };
    case 'warn':
      return {
        ...common,
        issuer: v.issuer,
        target: v.target,
        ...(v.mediator ? { condition: 'Unless talks begin.' } : {}),
      };
    case 'impose':
      return {
        ...common,
        issuer: v.issuer,
        target: v.target,
        ...(v.mediator ? { sectors: ['energy'] } : {}),
      };
  }
}

/** A correction's changes (a merge patch), valid against the incident's body. */
function changesFor(slot: SlotState, slots: readonly SlotState[], v: StepValues, n: number): Json {
  const body = slot.body!;
  const country = slot.country;
  const changes: Json = { summary: `Incident corrected by step ${n}` };
  const wants = new Set(v.change);
  if (wants.has('occurredAt')) {
    const o = occurred(v);
    changes.occurredAt = o.occurredAt;
    // Keep the span valid: a new end, or none.
    changes.occurredUntil = o.occurredUntil ?? null;
  } else if (wants.has('occurredUntil')) {
    changes.occurredUntil =
      body.occurredUntil === undefined && v.untilDays !== undefined
        ? dateOf(122 + v.untilDays) // after any occurredAt of a history
        : null;
  }
  if (wants.has('regions') && REGIONS[country])
    changes.location = { regions: regionList(country, v.regions ?? [v.day % 5]) };
  if (wants.has('removeRegions')) changes.location = { regions: null };
  if (wants.has('tags')) changes.tags = v.tags ?? null;
  const lines = wants.has('lines');
  const more = wants.has('more');
  const remove = wants.has('removeOptional');
  switch (slot.type) {
    case 'strike':
      if (lines) changes.weapons = weaponLines(country, v);
      if (more) changes.attacker = v.attacker;
      if (remove) changes.casualties = null;
      else if (more) changes.casualties = casualtyLines(country, v);
      break;
    case 'casualties':
      if (lines || more || remove) changes.casualties = casualtyLines(country, v);
      break;
    case 'exchange':
      if (lines) changes.released = v.released;
      if (more) {
        const agreementId = agreementPick(slots, v.agreement);
        if (agreementId) changes.agreementId = agreementId;
      }
      if (remove) {
        changes.agreementId = null;
        changes.mediator = null;
      }
      break;
    case 'agreement':
      if (lines) changes.totalPerSide = v.totalPerSide;
      if (more) changes.parties = v.parties;
      break;
    case 'warn':
    case 'impose':
      if (lines) changes.issuer = v.issuer;
      if (more) changes.target = v.target;
      if (remove) {
        changes.condition = null;
        changes.sectors = null;
      }
      break;
  }
  return changes;
}

const COUNTRY: Record<SlotType, readonly string[]> = {
  strike: ['UA', 'UA', 'RU'],
  casualties: ['UA', 'RU', 'UA'],
  exchange: ['UA', 'BY', 'TR'],
  agreement: ['TR', 'UA', 'TR'],
  warn: ['BE', 'CA', 'BE'],
  impose: ['US', 'BE', 'GB'],
};

/** Turns a script into groups of commands the service must accept, in order. */
export function interpret(script: Script): CommandGroup[] {
  const slots: SlotState[] = script.slots.map((type, i) => ({
    type,
    incidentId: randomUUID(),
    country: COUNTRY[type][i % 3]!,
    retracted: false,
  }));
  const groups: CommandGroup[] = [];
  script.steps.forEach((step, n) => {
    const slot = slots[step.slot % slots.length]!;
    if (slot.retracted) {
      // A retracted incident stays so; the slot takes a new incident of its type.
      slot.incidentId = randomUUID();
      slot.body = undefined;
      slot.retracted = false;
    }
    let command: SentCommand;
    if (!slot.body) {
      const body = newBody(slot, slots, step.values, n);
      slot.body = body;
      command = { name: COMMAND[slot.type], body: { incidentId: slot.incidentId, ...body } };
    } else if (step.action === 'retract') {
      slot.retracted = true;
      command = {
        name: 'retract-incident',
        body: { incidentId: slot.incidentId, reason: `Retracted at step ${n}` },
      };
    } else {
      const changes = changesFor(slot, slots, step.values, n);
      slot.body = mergePatch(slot.body, changes) as Json;
      command = {
        name: 'correct-incident',
        body: { incidentId: slot.incidentId, changes, reason: `Corrected at step ${n}` },
      };
    }
    const last = groups[groups.length - 1];
    if (step.joinPrevious && last && !last.catchUp && last.commands.length < 4) {
      last.commands.push(command);
      last.catchUp = step.catchUp;
    } else groups.push({ commands: [command], catchUp: step.catchUp });
  });
  return groups;
}
