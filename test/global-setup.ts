import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Builds dist/ once, before any worker starts: the specs that run the service or the CLI as a
 * child process use the build, and two workers building at once would write the same files.
 * The build is incremental, so it costs a few seconds when nothing changed.
 */
export default function globalSetup(): void {
  const root = join(__dirname, '..');
  const result = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
}
