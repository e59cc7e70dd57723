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
require('tsx/cjs');
require(require('node:path').resolve(script));
