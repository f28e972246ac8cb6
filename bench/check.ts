/**
 * Compares the ratios of a bench run with committed reference ratios; exits 1 when any ratio is
 * below half its reference (every ratio is "higher is better": ours over a baseline or a peer
 * measured in the same run). Each side is the best of its runs (the quick bench makes two).
 *
 * Not every ratio is free of the machine: a CPU-bound side beside a latency-bound one moves
 * with the kind of CPU (the same code's rebuild over Emmett's projector, quick runs: 3.96 on
 * an AMD EPYC, 1.75 on an Intel Xeon). So the reference file holds one reference per
 * kind of CPU, and a run is held to its own kind's; for a kind it has none of, to the lowest
 * of each ratio over the kinds it has.
 *
 *   node dist/bench/check.js artifacts/bench-quick.json bench/quick-reference.json
 *
 * `npm run bench -- --quick --check bench/quick-reference.json` runs the quick bench and then this.
 * To move this machine's reference after a deliberate change (or to add one for a new kind of
 * CPU), make it the medians of a few quick runs on it:
 *
 *   node dist/bench/check.js --update bench/quick-reference.json a.json b.json c.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
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

/** A reference file: one reference (the medians of a few quick runs) per kind of CPU. */
export interface ReferenceFile {
  references: BenchSummary[];
}

/** Reads a reference file (a lone summary, as older files hold, is one reference). */
export function readReferences(file: string): BenchSummary[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as ReferenceFile | BenchSummary;
  return 'references' in parsed ? parsed.references : [parsed];
}

/** The kind of CPU in a summary's machine line ("2 × AMD EPYC, 24 GiB, …" → "AMD EPYC"). */
export function cpuOf(machine: string): string {
  return machine
    .replace(/^\d+ × /, '')
    .split(',')[0]!
    .trim();
}

/**
 * The ratios a run on `machine` is held to: its kind of CPU's reference, or, for a kind none
 * was made on, the lowest of each ratio over the references (the most lenient known).
 */
export function referenceFor(
  references: readonly BenchSummary[],
  machine: string,
): { ratios: Record<string, number>; basis: string } {
  const cpu = cpuOf(machine);
  const own = references.find((r) => cpuOf(r.machine) === cpu);
  if (own) return { ratios: checkedRatios(own), basis: `the reference made on ${cpu}` };
  const ratios: Record<string, number> = {};
  for (const reference of references)
    for (const [key, value] of Object.entries(checkedRatios(reference)))
      ratios[key] = Math.min(ratios[key] ?? Infinity, value);
  const kinds = references.map((r) => cpuOf(r.machine)).join(', ');
  return { ratios, basis: `no reference for ${cpu}: the lowest of each ratio over ${kinds}` };
}

/** The references with `reference` in place of any made on its kind of CPU. */
export function withReference(
  references: readonly BenchSummary[],
  reference: BenchSummary,
): BenchSummary[] {
  const cpu = cpuOf(reference.machine);
  return [...references.filter((r) => cpuOf(r.machine) !== cpu), reference];
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

/** Checks a run against the reference file; prints each ratio; true when all passed. */
export function checkRun(summary: BenchSummary, referenceFile: string): boolean {
  const reference = referenceFor(readReferences(referenceFile), summary.machine);
  process.stdout.write(`bench check against ${reference.basis}\n`);
  const checks = compareRatios(checkedRatios(summary), reference.ratios);
  return reportChecks(checks, (line) => process.stdout.write(`${line}\n`));
}

function main(argv: readonly string[]): void {
  if (argv[0] === '--reference-from') {
    const reference = medianSummary(argv.slice(1).map(readSummary));
    process.stdout.write(`${JSON.stringify(reference, null, 2)}\n`);
    return;
  }
  if (argv[0] === '--update') {
    const [file, ...runs] = argv.slice(1);
    if (!file || runs.length === 0) throw new Error('usage: --update <reference.json> <run.json>…');
    const reference = medianSummary(runs.map(readSummary));
    const updated: ReferenceFile = { references: withReference(readReferences(file), reference) };
    writeFileSync(file, `${JSON.stringify(updated, null, 2)}\n`);
    process.stdout.write(
      `${file}: the reference for ${cpuOf(reference.machine)} is now the medians of ${runs.length} runs\n`,
    );
    return;
  }
  const [currentFile, referenceFile] = argv;
  if (!currentFile || !referenceFile) {
    process.stderr.write(
      'usage: node dist/bench/check.js <run.json> <reference.json>\n' +
        '       node dist/bench/check.js --reference-from <run.json>…\n' +
        '       node dist/bench/check.js --update <reference.json> <run.json>…\n',
    );
    process.exit(2);
  }
  process.exit(checkRun(readSummary(currentFile), referenceFile) ? 0 : 1);
}

if (require.main === module) main(process.argv.slice(2));
