// Bundle the dashboard into app/static/dashboard/ (app.js, app.css), the files casp serves.
// Deterministic: the same sources and lockfile give the same bytes (tests/dashboard/
// test_bundle.py builds into a temporary folder and compares). `node build.mjs OUTDIR`
// writes elsewhere.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(process.argv[2] ?? path.join(here, '..', 'app', 'static', 'dashboard'));

await build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.tsx' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'eof',
  charset: 'utf8',
  sourcemap: false,
  outdir,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

// Files served as they are (the icon).
mkdirSync(outdir, { recursive: true });
for (const name of readdirSync(path.join(here, 'public')).sort()) {
  copyFileSync(path.join(here, 'public', name), path.join(outdir, name));
}
