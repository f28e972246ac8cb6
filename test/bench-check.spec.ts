import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareRatios,
  cpuOf,
  readReferences,
  referenceFor,
  withReference,
  type BenchSummary,
} from '../bench/check';

/** A summary of runs on `cpu` with the given best ratios. */
function summary(cpu: string, bestRatios: Record<string, number>): BenchSummary {
  return {
    quick: true,
    writtenAt: '2026-11-27T00:00:00.000Z',
    machine: `2 × ${cpu}, 24 GiB, Linux 6.18.44, Node.js v20.20.2`,
    store: 'PostgreSQL 15',
    runs: 2,
    ratios: bestRatios,
    bestRatios,
    figures: {},
  };
}

const EPYC = summary('AMD EPYC', { rebuild: 3.96, appends: 1.5 });
const XEON = summary('Intel(R) Xeon(R) Processor', { rebuild: 2.2, appends: 1.6 });

describe('the bench check', () => {
  it('reads the kind of CPU from a machine line', () => {
    expect(cpuOf(EPYC.machine)).toBe('AMD EPYC');
    expect(cpuOf(XEON.machine)).toBe('Intel(R) Xeon(R) Processor');
  });

  it("holds a run to its own kind of CPU's reference", () => {
    const onXeon = referenceFor([EPYC, XEON], XEON.machine);
    expect(onXeon.ratios).toEqual({ rebuild: 2.2, appends: 1.6 });
    // 1.5 is below half of the EPYC's 3.96 but not of the Xeon's 2.2.
    expect(compareRatios({ rebuild: 1.5, appends: 1.6 }, onXeon.ratios).every((c) => c.ok)).toBe(
      true,
    );
    const onEpyc = referenceFor([EPYC, XEON], EPYC.machine);
    expect(compareRatios({ rebuild: 1.5, appends: 1.6 }, onEpyc.ratios).map((c) => c.ok)).toEqual([
      false,
      true,
    ]);
  });

  it('holds a run on an unknown kind to the lowest of each ratio', () => {
    const other = referenceFor([EPYC, XEON], '2 × Ampere Altra, 8 GiB, Linux, Node.js v20');
    expect(other.ratios).toEqual({ rebuild: 2.2, appends: 1.5 });
    expect(other.basis).toMatch(/no reference for Ampere Altra/);
  });

  it("replaces only the updated kind's reference, and reads an older single-reference file", () => {
    const newer = summary('AMD EPYC', { rebuild: 4.2, appends: 1.4 });
    expect(withReference([EPYC, XEON], newer)).toEqual([XEON, newer]);
    const dir = mkdtempSync(join(tmpdir(), 'bench-check-'));
    try {
      const file = join(dir, 'reference.json');
      writeFileSync(file, JSON.stringify(EPYC));
      expect(readReferences(file)).toEqual([EPYC]);
      writeFileSync(file, JSON.stringify({ references: [EPYC, XEON] }));
      expect(readReferences(file)).toEqual([EPYC, XEON]);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveProperty('references');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
