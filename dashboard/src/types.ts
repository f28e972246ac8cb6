/** The shapes of the public API's answers (shared/API.md) that the dashboard reads. */

export interface Meta {
  position: number;
  stale: boolean;
  asOf?: string;
}

export interface Source {
  name: string;
  url?: string;
  publishedAt?: string;
}

export interface TimelineItem {
  incidentId: string;
  type: string;
  occurredAt: string;
  occurredUntil: string | null;
  precision: 'day' | 'instant';
  location: { country: string; regions: { code: string; name: string }[]; place: string | null };
  summary: string;
  sources: Source[];
  tags: string[];
  details: Record<string, unknown>;
  status: 'reported' | 'corrected' | 'retracted';
  version: number;
  recordedAt: string;
  updatedAt: string;
  position: number;
}

export interface Envelope {
  eventId: string;
  streamId: string;
  streamVersion: number;
  position: number;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface TimelinePage {
  items: TimelineItem[];
  nextCursor: string | null;
  meta: Meta;
}

export interface IncidentDetail extends TimelineItem {
  history: Envelope[];
  meta: Meta;
}

export interface PrisonersTally {
  totals: { exchanges: number; releasedBy: Record<string, number> };
  agreements: {
    agreementId: string;
    parties: string[];
    totalPerSide: number;
    releasedBy: Record<string, number>;
    progress: number;
  }[];
  meta: Meta;
}

export interface StrikeRow {
  attacker?: string;
  weaponKind?: string;
  region?: string | null;
  month?: string;
  strikes: number;
  launched: number | null;
  intercepted: number | null;
  interceptionRate: number | null;
}

export interface StrikesTally {
  rows: StrikeRow[];
  totals: Omit<StrikeRow, 'attacker' | 'weaponKind' | 'region' | 'month'>;
  meta: Meta;
}

export interface CasualtyRow {
  country?: string;
  region?: string | null;
  month?: string;
  killed: number | null;
  injured: number | null;
  atLeast: boolean;
}

export interface CasualtiesTally {
  rows: CasualtyRow[];
  totals: { killed: number | null; injured: number | null; atLeast: boolean };
  meta: Meta;
}

export interface SanctionsTally {
  rows: { issuer: string; target: string; warnings: number; impositions: number }[];
  meta: Meta;
}

export interface IncidentsTally {
  rows: { type: string; count: number; month?: string }[];
  totals?: { count: number };
  meta: Meta;
}

export interface Projection {
  name: string;
  version: number;
  status: 'running' | 'paused' | 'rebuilding' | 'failed';
  position: number;
  headPosition: number;
  lag: number;
  lastError: string | null;
  updatedAt: string;
  rebuild?: { processed: number; total: number; startedAt: string };
  verify?: {
    status: 'running' | 'passed' | 'failed';
    differences?: number;
    sample?: unknown[];
    finishedAt?: string | null;
  };
}

export const INCIDENT_TYPES = [
  'PrisonerExchangeAgreed',
  'PrisonersExchanged',
  'StrikeReported',
  'CasualtiesReported',
  'SanctionsWarned',
  'SanctionsImposed',
  'TalksHeld',
  'StatementIssued',
] as const;
