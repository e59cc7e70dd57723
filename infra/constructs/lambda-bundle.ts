import { resolve } from 'node:path';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';

/**
 * How every hubfix function is bundled: ES modules with code splitting. The handler's own code is `index.mjs`; each
 * control definition (a dynamic import in functions/controls/loaders.generated.ts) and the code it alone uses become
 * chunks under `chunks/`, read only when a finding of that control arrives. One CommonJS file would hold every control
 * (parsed at each cold start, and past 200 KiB as controls are added); splitting is ESM-only in esbuild.
 *
 * NodejsFunction does not expose `splitting` (it always passes --outfile), so HubfixFunction runs this after its own
 * bundling step, into the same folder (infra/constructs/hubfix-function.ts). The bench bundles with the same options.
 */
export const lambdaBundleOptions = (entry: string, outdir: string): BuildOptions & { metafile: true } => ({
  entryPoints: { index: entry },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: true,
  // The Node.js 22 runtime ships AWS SDK v3, imported from ES modules since Node.js 18; everything else is bundled.
  external: ['@aws-sdk/*'],
  mainFields: ['module', 'main'],
  // A bundled CommonJS dependency that calls require() (a Node.js built-in) needs one in an ES module.
  banner: {
    js:
      "import { createRequire as __hubfixCreateRequire } from 'node:module'; " + 'const require = __hubfixCreateRequire(import.meta.url);',
  },
  metafile: true,
  logLevel: 'warning',
});

/** Bundles one handler into outdir (index.mjs, chunks/); returns esbuild's metafile (inputs and bytes of each output). */
export const bundleLambda = (entry: string, outdir: string): Metafile => buildSync(lambdaBundleOptions(entry, outdir)).metafile;

// `node bin/run-ts.js infra/constructs/lambda-bundle.ts <entry.ts> <outdir>`: HubfixFunction's afterBundling hook.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === __filename) {
  const [entry, outdir] = process.argv.slice(2);
  if (!entry || !outdir) throw new Error('usage: lambda-bundle.ts <entry.ts> <outdir>');
  bundleLambda(resolve(entry), resolve(outdir));
}
