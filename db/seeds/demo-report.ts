/**
 * The demo data: the worked example of `shared/DESIGN.md`, one news report of 24 May 2025, as
 * the bodies of `POST /v1/commands/{command}` (see `shared/API.md`).
 *
 * Every `incidentId` and `eventId` is fixed, so loading the demo twice is an idempotent replay
 * and adds nothing. Figures are only those the report gives: a number it does not state (how many
 * drones Russia launched at Ukraine, how many Ukrainian drones were downed over each region but
 * Belgorod) is left out, never guessed, because an absent figure is unknown while 0 would be a
 * claim. Statements are paraphrases, marked as such, never quotations.
 */

/** The commands the demo uses (and those a demo loader may be asked to send). */
export type DemoCommandName =
  | 'record-prisoner-exchange-agreement'
  | 'record-prisoner-exchange'
  | 'report-strike'
  | 'report-casualties'
  | 'warn-sanctions'
  | 'impose-sanctions'
  | 'record-talks'
  | 'record-statement'
  | 'correct-incident'
  | 'retract-incident';

/** One command of the demo: POST its `body` to `/v1/commands/{command}`. */
export interface DemoCommand {
  command: DemoCommandName;
  body: Record<string, unknown>;
}

/** The `incidentId` of every incident of the demo, by a name. */
export const DEMO_IDS = Object.freeze({
  /** The Istanbul talks of 16 May 2025. */
  talks: 'a8cae430-14d0-4f3b-8f00-9139a47c1c57',
  /** The 1,000-for-1,000 prisoner exchange agreed at those talks. */
  agreement: '82fd0fcc-6619-4eb8-ac44-75f74798f716',
  /** The G7 warning of sanctions (finance ministers, Banff, 22 May 2025). */
  g7Warning: '405c16f8-fd2c-4fa3-8392-2f2900b191ae',
  /** The 307-for-307 exchange of 24 May 2025, part of the agreement. */
  exchange: 'bc7b7c33-8cc5-4c4e-9ca2-eacb1a957935',
  /** The Russian drone and missile attack on Kyiv and three regions, night of 23 to 24 May. */
  kyivStrike: 'ada84c18-b130-4ac1-abbe-cb812f6c1935',
  /** The four people killed in Kharkiv region on 24 May. */
  kharkivCasualties: 'a56203b9-4886-4a13-b5f2-1aa2c8b4dc67',
  /** The Russian defence ministry's claim of about 100 Ukrainian drones. */
  russianClaim: '8365c3ef-6dfa-4a31-a671-c9c91361e2f8',
  /** Volodymyr Zelenskyy's statement. */
  zelenskyyStatement: '8e6dd57e-b1b9-40b6-8fd5-7596c1312ecb',
  /** Andrii Sybiha's statement. */
  sybihaStatement: 'f00f39f1-e87d-4f61-853e-ebf77c3c7012',
} as const);

/** The `eventId` of the command that records each incident, by the same names as {@link DEMO_IDS}. */
export const DEMO_EVENT_IDS = Object.freeze({
  talks: '44577661-07c1-4ff1-976c-6d0a0c876619',
  agreement: 'cd429f31-6eb9-4f9e-8382-8de4dcad2070',
  g7Warning: 'b2294125-e3a2-4edf-8f86-90629bc41c2e',
  exchange: 'ddc66e69-7b78-49ff-92e2-a1bd29915a5a',
  kyivStrike: '86738e1e-9f50-432c-8f33-13c813e7a53c',
  kharkivCasualties: '9f53ad83-0767-49c9-8478-d05e134f5256',
  russianClaim: 'e7b37456-da03-44d8-89d8-f98582537128',
  zelenskyyStatement: '583ee61e-b2be-4076-8d5d-5fb57bc194ef',
  sybihaStatement: 'a327accc-c15f-41d7-a6c5-5788b5220623',
} as const satisfies Record<keyof typeof DEMO_IDS, string>);

/** Where every fact of the demo comes from. */
const SOURCES = [{ name: 'Demo: news report of 24 May 2025' }];

/** The night of 23 to 24 May 2025, Kyiv summer time. */
const NIGHT = {
  occurredAt: '2025-05-23T22:00:00+03:00',
  occurredUntil: '2025-05-24T07:00:00+03:00',
};

function ids(name: keyof typeof DEMO_IDS) {
  return { incidentId: DEMO_IDS[name], eventId: DEMO_EVENT_IDS[name] };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The demo, in the order it must be loaded (the agreement before the exchange that references
 * it), which is also the order the incidents happened in. Frozen: copy a body before changing it.
 */
export const DEMO_COMMANDS: readonly DemoCommand[] = deepFreeze<DemoCommand[]>([
  {
    command: 'record-talks',
    body: {
      ...ids('talks'),
      occurredAt: '2025-05-16',
      location: { country: 'TR', place: 'Istanbul' },
      parties: ['UA', 'RU'],
      venue: 'Istanbul',
      outcome:
        'The delegations agreed to exchange 1,000 prisoners for 1,000; no ceasefire was agreed.',
      summary:
        'Russian and Ukrainian delegations held talks in Istanbul, where they agreed to exchange 1,000 prisoners each.',
      sources: SOURCES,
      tags: ['talks', 'istanbul-agreement', 'ceasefire'],
    },
  },
  {
    command: 'record-prisoner-exchange-agreement',
    body: {
      ...ids('agreement'),
      occurredAt: '2025-05-16',
      location: { country: 'TR', place: 'Istanbul' },
      parties: ['UA', 'RU'],
      totalPerSide: 1000,
      venue: 'Istanbul',
      summary:
        'At their talks in Istanbul, Russia and Ukraine agreed to exchange 1,000 prisoners each.',
      sources: SOURCES,
      tags: ['prisoner-exchange', 'istanbul-agreement'],
    },
  },
  {
    command: 'warn-sanctions',
    body: {
      ...ids('g7Warning'),
      occurredAt: '2025-05-22',
      location: { country: 'CA', place: "Banff, Alberta (G7 finance ministers' meeting)" },
      issuer: 'G7',
      target: 'RU',
      condition: 'If Russia does not engage in ceasefire talks.',
      summary:
        'The G7 warned Russia of further sanctions if it does not engage in ceasefire talks with Ukraine.',
      sources: SOURCES,
      tags: ['sanctions', 'g7', 'ceasefire'],
    },
  },
  {
    command: 'record-prisoner-exchange',
    body: {
      ...ids('exchange'),
      occurredAt: '2025-05-24',
      location: { country: 'UA', place: 'Ukrainian-Belarusian border' },
      released: [
        { by: 'RU', count: 307 },
        { by: 'UA', count: 307 },
      ],
      agreementId: DEMO_IDS.agreement,
      summary:
        'Russia and Ukraine exchanged 307 prisoners for 307 on the Ukrainian-Belarusian border, part of the agreement reached in Istanbul to exchange 1,000 each.',
      sources: SOURCES,
      tags: ['prisoner-exchange', 'istanbul-agreement'],
    },
  },
  {
    command: 'report-strike',
    body: {
      ...ids('kyivStrike'),
      ...NIGHT,
      location: { country: 'UA', regions: ['UA-30', 'UA-12', 'UA-51', 'UA-23'] },
      attacker: 'RU',
      weapons: [
        { kind: 'drone', intercepted: 245 },
        { kind: 'ballistic_missile', intercepted: 6 },
      ],
      casualties: [{ region: 'UA-30', injured: 15, atLeast: true }],
      summary:
        'Overnight, Russian drones and missiles struck Kyiv, where at least 15 people were injured, and the Dnipropetrovsk, Odesa and Zaporizhzhia regions; 6 ballistic missiles and 245 drones were intercepted.',
      sources: SOURCES,
      tags: ['air-attack', 'drones', 'ballistic-missiles', 'kyiv'],
    },
  },
  {
    command: 'report-casualties',
    body: {
      ...ids('kharkivCasualties'),
      occurredAt: '2025-05-24',
      location: { country: 'UA', regions: ['UA-63'] },
      casualties: [{ region: 'UA-63', killed: 4 }],
      summary: 'Four people were killed in Kharkiv region over the day.',
      sources: SOURCES,
      tags: ['casualties', 'kharkiv'],
    },
  },
  {
    command: 'report-strike',
    body: {
      ...ids('russianClaim'),
      occurredAt: '2025-05-24',
      location: { country: 'RU', regions: ['RU-BEL', 'RU-KRS', 'RU-LIP', 'RU-VOR', 'RU-TVE'] },
      attacker: 'UA',
      weapons: [
        { kind: 'drone', region: 'RU-BEL', intercepted: 64 },
        { kind: 'drone', launched: 100 },
      ],
      summary:
        'According to the Russian defence ministry, about 100 Ukrainian drones attacked Russia; 64 were intercepted over Belgorod region and more over the Kursk, Lipetsk, Voronezh and Tver regions (no figures given for those).',
      sources: SOURCES,
      tags: ['air-attack', 'drones', 'russian-mod-claim'],
    },
  },
  {
    command: 'record-statement',
    body: {
      ...ids('zelenskyyStatement'),
      occurredAt: '2025-05-24',
      location: { country: 'UA' },
      speaker: 'Volodymyr Zelenskyy',
      role: 'President of Ukraine',
      party: 'UA',
      text: 'Summary (a paraphrase, not a quotation): Zelenskyy said that 307 more Ukrainians had come home in the exchange, which was to continue, and that the overnight attack on Kyiv and other regions showed the need for more pressure and sanctions on Russia.',
      topics: ['prisoner-exchange', 'air-attack', 'sanctions'],
      summary:
        'Volodymyr Zelenskyy commented on the prisoner exchange and the overnight Russian attack.',
      sources: SOURCES,
      tags: ['statement', 'prisoner-exchange', 'air-attack'],
    },
  },
  {
    command: 'record-statement',
    body: {
      ...ids('sybihaStatement'),
      occurredAt: '2025-05-24',
      location: { country: 'UA' },
      speaker: 'Andrii Sybiha',
      role: 'Minister of Foreign Affairs of Ukraine',
      party: 'UA',
      text: "Summary (a paraphrase, not a quotation): Sybiha said the overnight attack on Kyiv showed that Russia was prolonging the war rather than seeking peace, and called on Ukraine's partners to increase pressure on Moscow.",
      topics: ['air-attack', 'sanctions', 'ceasefire'],
      summary: 'Andrii Sybiha commented on the overnight Russian attack on Kyiv.',
      sources: SOURCES,
      tags: ['statement', 'air-attack'],
    },
  },
]);
