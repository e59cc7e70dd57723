#!/usr/bin/env node
// Runs a TypeScript script through tsx with the sandbox's quiet defaults: `node bin/run-ts.js bench/bench.ts [args]`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.CDK_VALIDATION ??= 'false'; // the sandbox synthesizes the stack; `npm run synth` validates
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true'; // no EMF lines on stdout (the bench prints JSON there)
process.env.AWS_REGION ??= 'us-east-1';
const script = process.argv[2];
if (!script) {
  console.error('usage: node bin/run-ts.js <script.ts> [args…]');
  process.exit(2);
}
process.argv.splice(1, 1); // the script sees itself as argv[1], as if run directly
// Control definitions load through dynamic import() (functions/controls/load-control.ts), which Node resolves as
// ESM: tsx must hook both loaders, which only `--import tsx` does. Without it, run again under it.
if (!process.execArgv.some((arg, i, all) => arg === '--import=tsx' || (arg === '--import' && all[i + 1] === 'tsx'))) {
  const { status, signal } = require('node:child_process').spawnSync(
    process.execPath,
    ['--import', 'tsx', ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit' },
  );
  process.exit(signal ? 1 : (status ?? 1));
}
require(require('node:path').resolve(script));
