// Runs the checks and the whole Jest suite. PGlite loads Node built-ins with dynamic import(),
// which Jest allows only with --experimental-vm-modules, so Jest runs in a child with that flag.
import { spawnSync } from 'node:child_process';

const run = (command, args, env = process.env) => {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

// `--ci` skips the static checks (already run) and runs Jest alone.
const ci = process.argv[2] === '--ci';
const jestArgs = process.argv.slice(ci ? 3 : 2);
if (jestArgs.length === 0 && !ci) {
  run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  run('npx', ['tsc', '-p', 'dashboard/tsconfig.json', '--noEmit']);
  run('npx', ['eslint', '.']);
  run('npx', ['prettier', '--check', '.', '--log-level', 'warn']);
}
const nodeOptions = [
  process.env.NODE_OPTIONS,
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
]
  .filter(Boolean)
  .join(' ');
const env = { ...process.env, NODE_OPTIONS: nodeOptions };

// Specs that assert when a committed event becomes readable run alone, after the rest: a reader
// of the log waits for every transaction in flight on the PostgreSQL server (visibility is
// server-wide, see STYLE.md), so other spec files' transactions would hold their events back.
const IN_BAND = [
  'src/event-store/event-store.int-spec.ts',
  'test/write-guarantees.e2e-spec.ts',
  'test/live.e2e-spec.ts',
  'test/metrics.e2e-spec.ts',
  'test/projections-held-back.int-spec.ts',
];
if (jestArgs.length > 0) {
  run('npx', ['jest', ...jestArgs], env);
} else {
  run('npx', ['jest', '--testPathIgnorePatterns', '/node_modules/', ...IN_BAND], env);
  run('npx', ['jest', '--runInBand', ...IN_BAND], env);
}
