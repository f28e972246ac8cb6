import 'reflect-metadata';
import { runCli } from './cli/run-cli';

// `node dist/src/cli.js <command>`: see `node dist/src/cli.js --help`.
runCli(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
