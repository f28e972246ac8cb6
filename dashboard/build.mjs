// Builds the analysts' dashboard into dashboard/dist with esbuild: hashed ES modules in
// dist/assets (the charts are a separate chunk loaded on demand), index.html pointing at them,
// gzip and Brotli siblings for @fastify/static's preCompressed, and build-report.json with the
// gzipped size of the initial load. Usage: node dashboard/build.mjs [--quiet | --report]
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const dist = join(here, 'dist');
const assets = join(dist, 'assets');
const quiet = process.argv.includes('--quiet');
const detailed = process.argv.includes('--report');

await rm(dist, { recursive: true, force: true });
await mkdir(assets, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: ['dashboard/src/main.tsx'],
  outdir: assets,
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2022', 'chrome111', 'firefox115', 'safari16.4'],
  minify: true,
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  tsconfig: 'dashboard/tsconfig.json',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'eof',
  metafile: true,
  logLevel: quiet ? 'error' : 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

const outputs = result.metafile.outputs;
const url = (file) => `/${relative(dist, join(root, file)).split('\\').join('/')}`;
const [entry, entryMeta] = Object.entries(outputs).find(
  ([, meta]) => meta.entryPoint === 'dashboard/src/main.tsx',
);
const css = entryMeta.cssBundle;

// The initial load: the entry, the chunks it imports statically (transitively), its CSS.
const initial = new Set([entry]);
const visit = (file) => {
  for (const dependency of outputs[file]?.imports ?? []) {
    if (dependency.kind === 'import-statement' && !initial.has(dependency.path)) {
      initial.add(dependency.path);
      visit(dependency.path);
    }
  }
};
visit(entry);
if (css) initial.add(css);

const template = await readFile(join(here, 'index.html'), 'utf8');
const preloads = [...initial]
  .filter((file) => file !== entry && file.endsWith('.js'))
  .map((file) => `<link rel="modulepreload" href="${url(file)}" />`);
const html = template
  .replace(
    '<!-- styles -->',
    [...(css ? [`<link rel="stylesheet" href="${url(css)}" />`] : []), ...preloads].join('\n    '),
  )
  .replace('<!-- scripts -->', `<script type="module" src="${url(entry)}"></script>`);
await writeFile(join(dist, 'index.html'), html);

// Compressed siblings, and the sizes the README states.
const report = { initial: [], lazy: [], initialGzipBytes: 0, initialBytes: 0 };
const files = [join(dist, 'index.html'), ...Object.keys(outputs).map((file) => join(root, file))];
for (const file of files) {
  const body = await readFile(file);
  const gz = gzipSync(body, { level: 9 });
  const br = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  if (body.length > 1024) {
    await writeFile(`${file}.gz`, gz);
    await writeFile(`${file}.br`, br);
  }
  const name = relative(dist, file).split('\\').join('/');
  const isInitial =
    name === 'index.html' || initial.has(relative(root, file).split('\\').join('/'));
  const entryReport = {
    file: name,
    bytes: body.length,
    gzipBytes: gz.length,
    brotliBytes: br.length,
  };
  (isInitial ? report.initial : report.lazy).push(entryReport);
  if (isInitial) {
    report.initialBytes += body.length;
    report.initialGzipBytes += gz.length;
  }
}
await writeFile(join(dist, 'build-report.json'), `${JSON.stringify(report, null, 2)}\n`);

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
if (!quiet && !detailed) {
  const lazy = report.lazy.reduce((sum, e) => sum + e.gzipBytes, 0);
  console.log(
    `dashboard: built into dashboard/dist (initial load ${kib(report.initialGzipBytes)} gzipped; ${kib(lazy)} more on demand for the charts)`,
  );
}
if (detailed) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const line = (e) =>
    `  ${e.file.padEnd(40)} ${kb(e.bytes).padStart(10)} ${kb(e.gzipBytes).padStart(10)} gz`;
  console.log('dashboard: built into dashboard/dist');
  console.log(' initial load:');
  report.initial.forEach((e) => console.log(line(e)));
  console.log(
    `  ${'total'.padEnd(40)} ${kb(report.initialBytes).padStart(10)} ${kb(report.initialGzipBytes).padStart(10)} gz`,
  );
  console.log(' loaded on demand:');
  report.lazy.forEach((e) => console.log(line(e)));
}
