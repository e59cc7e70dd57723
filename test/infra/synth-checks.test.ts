import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildApp } from '../../infra/build-app';
import { TEST_CONFIG } from './synth';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-synth-checks-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('synthesis checks', () => {
  it('passes aws-cdk-lib template validation (run on purpose: jest setup turns it off)', () => {
    // Prepare
    const previous = process.env.CDK_VALIDATION;
    process.env.CDK_VALIDATION = 'true';
    const outdir = path.join(tmp, 'validated');
    const { app } = buildApp({ outdir, config: TEST_CONFIG, bundle: false });

    try {
      // Act
      app.synth();
    } finally {
      process.env.CDK_VALIDATION = previous;
    }

    // Assess
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  });

  it('fails synth on a cdk-nag finding nobody acknowledged', () => {
    // Prepare
    const { app, stack } = buildApp({ outdir: path.join(tmp, 'nag'), config: TEST_CONFIG, bundle: false });
    stack.functions.annotate.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:*'], resources: ['*'] }));

    // Act / Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::states:\*\]/);
  });
});
