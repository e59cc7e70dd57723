import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { PolicyStatementJson } from '../synth';

/**
 * A bare stack for one part of hubfix, tested on its own (no cdk-nag, no bundling), in an app whose output goes to a
 * temp dir the caller removes with `cleanup`.
 */
export const partStack = () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-part-'));
  const app = new App({ outdir: path.join(tmp, 'cdk.out'), context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Part', { env: { account: '111111111111', region: 'eu-west-1' } });
  return { stack, cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }) };
};

/** The statements of one role's identity policies, as (action, resource) pairs easy to compare. */
export const grantsOf = (statements: PolicyStatementJson[]): { action: string; resource: unknown }[] =>
  statements.flatMap((s) => [s.Action].flat().flatMap((action) => [s.Resource].flat().map((resource) => ({ action, resource }))));
