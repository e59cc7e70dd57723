import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { plugins } from '../../functions/controls/registry';
import { HubfixFunction, REPO_ROOT } from '../../infra/constructs/hubfix-function';
import { TEST_CONFIG } from './synth';

/**
 * The one CDK test that bundles for real (the others skip bundling): HubfixFunction's asset is the split ES module
 * build, index.mjs holding the step and chunks/ one per control, and it loads in Node with the SDK as the runtime gives it.
 */
describe('a HubfixFunction bundle', () => {
  let tmp: string;
  let asset: string;
  let template: Template;

  beforeAll(() => {
    // Prepare
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-bundle-'));
    const app = new App({ outdir: path.join(tmp, 'cdk.out') });
    const stack = new Stack(app, 'Bundle');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // Act
    new HubfixFunction(stack, 'Assess', {
      entry: 'handlers/assess.ts',
      description: 'assess',
      role,
      timeout: Duration.seconds(30),
      config: TEST_CONFIG,
    });
    const assembly = app.synth();
    template = Template.fromStack(stack);
    const assetDir = fs.readdirSync(assembly.directory).find((entry) => entry.startsWith('asset.'));
    if (!assetDir) throw new Error('no asset was bundled');
    asset = path.join(assembly.directory, assetDir);
  }, 180_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('is an ES module handler on Node.js 22', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs22.x' });
    expect(fs.existsSync(path.join(asset, 'index.mjs'))).toBe(true);
  });

  it('keeps every control out of index.mjs, each in a chunk of its own', () => {
    // Prepare
    const chunks = fs.readdirSync(path.join(asset, 'chunks')).filter((file) => file.endsWith('.mjs'));
    const index = fs.readFileSync(path.join(asset, 'index.mjs'), 'utf8');
    // A title is a string literal of its definition; esbuild quotes it so that it needs no escapes.
    const titled = (title: string) => (text: string) => text.includes(title);

    // Act
    const inIndex = plugins.filter((plugin) => titled(plugin.title)(index)).map((plugin) => plugin.id);
    const withoutChunk = plugins
      .filter((plugin) => !chunks.some((chunk) => titled(plugin.title)(fs.readFileSync(path.join(asset, 'chunks', chunk), 'utf8'))))
      .map((plugin) => plugin.id);

    // Assess
    expect(inIndex).toEqual([]);
    expect(withoutChunk).toEqual([]);
  });

  it('loads in Node, its controls on first use', () => {
    // Prepare: ES modules resolve @aws-sdk/* from the folders above them, as the Lambda runtime provides it.
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(asset, 'node_modules'), 'dir');
    const probe =
      "const m = await import('./index.mjs'); const { readdirSync } = await import('node:fs');" +
      "const ids = []; for (const f of readdirSync('chunks').filter((f) => /^definition-.*\\.mjs$/.test(f)))" +
      " ids.push((await import('./chunks/' + f)).default.id); console.log(JSON.stringify({ handler: typeof m.handler, ids: ids.sort() }));";

    // Act
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: asset,
      env: { ...process.env, AWS_REGION: 'us-east-1', HUBFIX_CONFIG: '{}' },
      encoding: 'utf8',
    });

    // Assess
    expect(JSON.parse(out)).toEqual({ handler: 'function', ids: plugins.map((plugin) => plugin.id).sort() });
  }, 120_000);
});
