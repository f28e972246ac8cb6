/**
 * Compares the ratios of a bench run with committed reference ratios; exits 1 when any ratio is
 * below half its reference (every ratio is "higher is better": ours over a baseline or a peer
 * measured in the same run, so the machine's speed cancels out). Each side is the best of its
 * runs (the quick bench makes two).
 *
 *   node dist/bench/check.js artifacts/bench-quick.json bench/quick-reference.json
 *
 * `npm run bench -- --quick --check bench/quick-reference.json` runs the quick bench and then this.
 * To move the reference after a deliberate change, make it the medians of a few quick runs:
 *
 *   node dist/bench/check.js --reference-from a.json b.json c.json > bench/quick-reference.json
 */
import { readFileSync } from 'node:fs';
import { fmt, summarize } from './harness';

/** What a run writes beside its report (`--json`), and what a reference file holds. */
export interface BenchSummary {
  quick: boolean;
  writtenAt: string;
  machine: string;
  store: string;
  runs: number;
  /** Medians over the runs of per-run ratios, each higher-is-better. */
  ratios: Record<string, number>;
  /**
   * The best run's ratio, key by key: what the check compares, since a passing load on a shared
   * machine slows one side of a ratio in one run, while a regression shows in every run.
   */
  bestRatios?: Record<string, number>;
  /** Medians of the absolute figures, for the record (not checked: they vary with the machine). */
  figures: Record<string, number>;
}

export interface RatioCheck {
  name: string;
  reference: number;
  current: number;
  ok: boolean;
}

/** The ratios a check compares: the best runs' where the summary has them. */
export function checkedRatios(summary: BenchSummary): Record<string, number> {
  return summary.bestRatios ?? summary.ratios;
}

/** Every reference ratio against the current one: ok when at least half the reference. */
export function compareRatios(
  current: Readonly<Record<string, number>>,
  reference: Readonly<Record<string, number>>,
): RatioCheck[] {
  return Object.entries(reference).map(([name, ref]) => {
    const now = current[name] ?? NaN;
    return { name, reference: ref, current: now, ok: Number.isFinite(now) && now >= ref / 2 };
  });
}

export function readSummary(file: string): BenchSummary {
  return JSON.parse(readFileSync(file, 'utf8')) as BenchSummary;
}

/** Prints the comparison; returns whether every ratio passed. */
export function reportChecks(checks: readonly RatioCheck[], log: (line: string) => void): boolean {
  for (const c of checks) {
    log(
      `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${fmt(c.current, 2)} (reference ${fmt(c.reference, 2)}, floor ${fmt(c.reference / 2, 2)})`,
    );
  }
  const failed = checks.filter((c) => !c.ok).length;
  log(
    failed === 0
      ? `bench check: all ${checks.length} ratios at or above half their reference`
      : `bench check: ${failed} of ${checks.length} ratios fell below half their reference`,
  );
  return failed === 0;
}

/** Medians, key by key, of several runs' summaries: a reference less at the mercy of one run. */
export function medianSummary(summaries: readonly BenchSummary[]): BenchSummary {
  const medians = (pick: (s: BenchSummary) => Record<string, number>) => {
    const keys = new Set(summaries.flatMap((s) => Object.keys(pick(s))));
    return Object.fromEntries(
      [...keys].map((k) => [k, summarize(summaries.map((s) => pick(s)[k] ?? NaN)).median]),
    );
  };
  const first = summaries[0];
  if (!first) throw new Error('no summaries to take medians of');
  return {
    ...first,
    writtenAt: new Date().toISOString(),
    runs: summaries.reduce((n, s) => n + s.runs, 0),
    ratios: medians((s) => s.ratios),
    bestRatios: medians(checkedRatios),
    figures: medians((s) => s.figures),
  };
}

function main(argv: readonly string[]): void {
  if (argv[0] === '--reference-from') {
    const reference = medianSummary(argv.slice(1).map(readSummary));
    process.stdout.write(`${JSON.stringify(reference, null, 2)}\n`);
    return;
  }
  const [currentFile, referenceFile] = argv;
  if (!currentFile || !referenceFile) {
    process.stderr.write(
      'usage: node dist/bench/check.js <run.json> <reference.json>\n' +
        '       node dist/bench/check.js --reference-from <run.json>…\n',
    );
    process.exit(2);
  }
  const checks = compareRatios(
    checkedRatios(readSummary(currentFile)),
    checkedRatios(readSummary(referenceFile)),
  );
  const passed = reportChecks(checks, (line) => process.stdout.write(`${line}\n`));
  process.exit(passed ? 0 : 1);
}

if (require.main === module) main(process.argv.slice(2));
