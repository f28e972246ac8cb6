import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Builds dist/ and the dashboard once, before any worker starts: the specs that run the service
 * or the CLI as a child process use the build, and two workers building at once would write the
 * same files. The dashboard's build empties dashboard/dist first, so it must not run while another
 * worker's app is reading that folder (every app serves it when it is there). The TypeScript
 * build is incremental; the two cost a few seconds when nothing changed.
 */
export default function globalSetup(): void {
  const root = join(__dirname, '..');
  const steps = [
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    [join(root, 'dashboard', 'build.mjs'), '--quiet'],
  ];
  for (const args of steps) {
    const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`build failed (${args.join(' ')}):\n${result.stdout}${result.stderr}`);
  }
}
