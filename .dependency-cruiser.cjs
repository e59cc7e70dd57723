/** Module rules checked by `npm run lint` (dependency-cruiser): no import cycles, and the layers of functions/. */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: split the module or move the shared part down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'platform-is-the-bottom',
      severity: 'error',
      comment: 'functions/platform (clients, logger, env, errors, config) imports nothing of hubfix above it.',
      from: { path: '^functions/platform/' },
      to: { path: '^functions/(?!platform/)' },
    },
    {
      name: 'findings-below-controls',
      severity: 'error',
      comment: 'functions/findings is the finding model controls build on: it imports only the platform.',
      from: { path: '^functions/findings/' },
      to: { path: '^functions/(?!platform/|findings/)' },
    },
    {
      name: 'controls-below-the-workflow',
      severity: 'error',
      comment: 'A control knows the finding model and the platform, never the workflow, intake, approval or audit around it.',
      from: { path: '^functions/controls/', pathNot: '\\.test\\.ts$' },
      to: { path: '^functions/(workflow|intake|approval|audit|handlers|hygiene)/' },
    },
    {
      name: 'handlers-are-entries',
      severity: 'error',
      comment: 'Only tests, the sandbox and the bench import a handler.',
      from: { path: '^functions/' },
      to: { path: '^functions/handlers/' },
    },
    {
      name: 'functions-stand-alone',
      severity: 'error',
      comment: 'Lambda code never imports the sandbox, the CLI, infra or tests.',
      from: { path: '^functions/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(sandbox|cli|infra|test|bench)/' },
    },
    {
      name: 'sandbox-below-the-cli',
      severity: 'error',
      comment: 'The sandbox (simulated AWS, local cloud, demo) runs without the operator CLI; the CLI may start the sandbox.',
      from: { path: '^sandbox/' },
      to: { path: '^cli/' },
    },
    {
      name: 'lambdas-load-controls-lazily',
      severity: 'error',
      comment:
        'Lambda code reaches a control through functions/controls/load-control.ts (one dynamic import per folder), ' +
        'never through the eager registry that holds every control.',
      from: { path: '^functions/', pathNot: ['\\.test\\.ts$', '^functions/controls/registry\\.ts$'] },
      to: { path: '^functions/controls/registry(\\.generated)?\\.ts$' },
    },
    {
      name: 'no-control-code-outside-the-control-steps',
      severity: 'error',
      comment:
        'Intake, Annotate, RequestApproval, the approval API and control hygiene run no control: they know controls ' +
        'from functions/controls/summaries.generated.ts and must not bundle any definition (nor its SDK clients).',
      from: { path: '^functions/(handlers/(intake|annotate|request-approval|approval-api)|hygiene/[^/]+)\\.ts$', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^functions/controls/([^/]+/definition|load-control|loaders\\.generated|registry(\\.generated)?)\\.ts$',
        reachable: true,
      },
    },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
