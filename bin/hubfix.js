#!/usr/bin/env node
// The hubfix CLI: the operator's commands against a deployment (cli/) and the local sandbox (sandbox/). TypeScript runs through tsx.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.CDK_VALIDATION ??= 'false'; // the sandbox synthesizes the stack; `npm run synth` validates
process.env.POWERTOOLS_LOG_LEVEL ??= process.argv.includes('--verbose') ? 'INFO' : 'SILENT';
// EMF metrics are CloudWatch's business: the sandbox keeps them off stdout (the audit trail has the same facts).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error) => {
    console.error(`hubfix: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  });
