import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eligibility, parseEvent, parseFindings, type FindingResult } from '../../functions/findings/asff';
import { InvalidInputError } from '../../functions/platform/errors';
import type { FindingRef } from '../../functions/findings/types';

/** The shared corpus of real Security Hub events and findings (shared/ sits beside the repository). */
const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'conformance', 'events');

const load = (file: string): unknown => JSON.parse(readFileSync(join(CORPUS, file), 'utf8'));
const isEnvelope = (raw: unknown): boolean => typeof raw === 'object' && raw !== null && 'detail-type' in raw;

type Outcome = { findings: FindingResult[] } | { error: unknown };

/** parseEvent for EventBridge envelopes, parseFindings for everything else, as `hubfix plan --event` does. */
const parse = (file: string): Outcome => {
  const raw = load(file);
  try {
    return { findings: isEnvelope(raw) ? parseEvent(raw).findings : parseFindings(raw) };
  } catch (error) {
    return { error };
  }
};

const findingsOf = (file: string): FindingResult[] => {
  const outcome = parse(file);
  if ('error' in outcome) throw new Error(`${file} was rejected: ${(outcome.error as Error).message}`);
  return outcome.findings;
};

const okFinding = (result: FindingResult | undefined): FindingRef => {
  if (!result?.ok) throw new Error(`expected an accepted finding, got ${JSON.stringify(result)}`);
  return result.finding;
};

const rejectionOf = (file: string): InvalidInputError => {
  const outcome = parse(file);
  if (!('error' in outcome)) throw new Error(`${file} was accepted`);
  return outcome.error as InvalidInputError;
};

const files = readdirSync(CORPUS)
  .filter((file) => file.endsWith('.json'))
  .sort();

describe('conformance corpus', () => {
  it('holds the 50 shared events', () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
  });

  it.each(files)('%s: yields findings with reasons, or is rejected with a reason', (file) => {
    // Act
    const outcome = parse(file);

    // Assess: never any other exception, never a silent drop
    if ('error' in outcome) {
      expect(outcome.error).toBeInstanceOf(InvalidInputError);
      expect((outcome.error as Error).message.length).toBeGreaterThan(10);
      return;
    }
    expect(outcome.findings.length).toBeGreaterThan(0);
    for (const result of outcome.findings) {
      if (result.ok) {
        expect(result.finding.controlId).toMatch(/^[A-Za-z][A-Za-z0-9]*\.\d+$/);
        expect(result.finding.region).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
        expect(result.finding.resource.region).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
        const verdict = eligibility(result.finding);
        if (!verdict.eligible) expect(verdict.reason).not.toBe('');
      } else {
        expect(result.reason.length).toBeGreaterThan(10);
      }
    }
  });
});

describe('conformance expectations', () => {
  it('reads both findings of a multi-select custom action', () => {
    // Act
    const [first, second] = findingsOf('asr__custom-action__cis-1.2.0-1.6__awsaccount__2-findings-multi-select-with-note.json').map(
      okFinding,
    );

    // Assess
    expect([first.controlId, first.standardControlId]).toEqual(['IAM.12', 'CIS 1.2.0 1.6']);
    expect(second.controlId).toBe('IAM.12');
    expect(first.id).not.toBe(second.id);
    expect(first.resource).toMatchObject({ type: 'AwsAccount', id: 'AWS::::Account:111111111111', partition: 'aws' });
  });

  it('takes the custom action id from the action ARN', () => {
    // Act
    const event = parseEvent(load('afo__custom-action__fsbp-ec2.8__awsec2instance__ap-southeast-2__from-python-literal.json'));

    // Assess
    expect(event).toMatchObject({ kind: 'custom-action', actionId: 'ForensicTriageAction', actionName: 'Forensic Triage' });
  });

  it('maps a finding whose only control id is its CIS GeneratorId', () => {
    // Prepare: the same real finding with ProductFields and Compliance.SecurityControlId taken away
    const raw = load('asr__finding__cis-1.2.0-1.4__awsiamuser.json') as Record<string, unknown>;
    const generatorOnly = { ...raw, ProductFields: null, Compliance: { Status: 'FAILED' } };

    // Act
    const finding = okFinding(parseFindings(generatorOnly)[0]);

    // Assess
    expect(raw.GeneratorId).toBe('arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.4');
    expect([finding.controlId, finding.standardControlId]).toEqual(['IAM.3', 'CIS 1.2.0 1.4']);
  });

  it('rejects an unsupported CIS version with a reason and keeps the identifier for the note', () => {
    // Act
    const [result] = findingsOf('asr__custom-action__cis-1.7.0-1.6__awsaccount__unsupported-standard-version.json');

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/CIS AWS Foundations Benchmark v1\.7\.0 is not supported/);
    expect(result.identifier?.id).toContain('cis-aws-foundations-benchmark/v/1.7.0/1.6');
  });

  it.each([
    'cruxstack__ocsf-v2-finding__compliance-finding-config.1__aws-account__bare.json',
    'sumologic__findings-imported-v2__ocsf-detection-finding__guardduty-cloudtrail-disabled__aws-iam-accesskey.json',
  ])('rejects OCSF input %s as not supported yet', (file) => {
    // Act
    const error = rejectionOf(file);

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/OCSF .*not supported yet/);
  });

  it.each(['awsdocs__insight-results__template__NEGATIVE-no-findings.json', 'c7n__insight-results__NEGATIVE-no-findings.json'])(
    'rejects insight results %s',
    (file) => {
      expect(rejectionOf(file).message).toMatch(/insight results carry no findings/);
    },
  );

  it('parses an SDK-serialized finding full of nulls and keeps no null in the details', () => {
    // Act
    const finding = okFinding(findingsOf('openlane__finding__sc-s3.8__awss3bucket__consolidated__sdk-serialized-nulls.json')[0]);

    // Assess
    expect(finding).toMatchObject({ controlId: 'S3.8', accountId: '123456789123', region: 'us-east-1', workflowStatus: 'RESOLVED' });
    expect(JSON.stringify(finding.resource.details)).not.toContain('null');
    expect(Object.keys(finding.resource.details ?? {})).toEqual(['AwsS3Bucket']);
  });

  it('reads WorkflowState and derives the severity when the finding predates Workflow and Severity.Label', () => {
    // Act
    const finding = okFinding(findingsOf('c7n__custom-action__cis-1.2.0-2.2__awscloudtrailtrail__2019-no-workflow-object.json')[0]);

    // Assess
    expect(finding).toMatchObject({ controlId: 'CloudTrail.4', workflowStatus: 'NEW', severity: 'INFORMATIONAL', region: 'us-east-1' });
  });

  it('marks an ARCHIVED finding not eligible', () => {
    // Act
    const verdict = eligibility(okFinding(findingsOf('jira__imported__fsbp-ec2.8__awsec2instance__archived.json')[0]));

    // Assess
    expect(verdict).toMatchObject({ eligible: false, code: 'archived', reason: expect.stringMatching(/ARCHIVED/) });
  });

  it('marks a finding with a masked account id not eligible', () => {
    // Act
    const finding = okFinding(
      findingsOf('eksbp__getfindings-response__sc-iam.6__awsaccount__consolidated__masked-account-XXXXXXXXXXX.json')[0],
    );

    // Assess
    expect(eligibility(finding)).toMatchObject({
      eligible: false,
      code: 'malformed-account',
      reason: expect.stringContaining('XXXXXXXXXXX'),
    });
  });

  it('says which compliance status makes a finding not eligible', () => {
    // Act
    const passed = eligibility(okFinding(findingsOf('asr__custom-action__cis-1.2.0-1.3__awsiamuser__notified.json')[0]));

    // Assess
    expect(passed).toMatchObject({ eligible: false, code: 'compliance-passed', reason: expect.stringContaining('PASSED') });
  });

  it('rejects a finding with a malformed resource id at eligibility, not at parsing', () => {
    // Prepare
    const raw = load('asr__finding__fsbp-iam.3__awsiamuser.json') as { Resources: Record<string, unknown>[] };
    const masked = { ...raw, Resources: [{ ...raw.Resources[0], Id: 'AWS::IAM::AccessKey:null' }] };

    // Act
    const verdict = eligibility(okFinding(parseFindings(masked)[0]));

    // Assess
    expect(verdict).toMatchObject({ eligible: false, code: 'malformed-resource' });
  });

  it("uses the finding's region, not the envelope's", () => {
    // Prepare
    const raw = load('jira__custom-action__fsbp-ec2.8__awsec2instance__notified__event-region-differs.json') as { region: string };

    // Act
    const finding = okFinding(parseEvent(raw).findings[0]);

    // Assess
    expect(raw.region).toBe('us-east-1');
    expect(finding.region).toBe('eu-west-1');
    expect(finding.workflowStatus).toBe('NOTIFIED');
  });

  it('takes the region from ProductArn when the finding has no Region', () => {
    // Act
    const finding = okFinding(findingsOf('jira__imported__cis-1.2.0-1.22__awsiampolicy__no-finding-region.json')[0]);

    // Assess
    expect([finding.region, finding.controlId]).toEqual(['eu-west-1', 'IAM.1']);
  });

  it('takes the resource region from its ARN when Resource.Region disagrees', () => {
    // Act
    const finding = okFinding(findingsOf('awsdocs__finding__cis-1.4.0-3.7__awscloudtrailtrail.json')[0]);

    // Assess
    expect([finding.region, finding.resource.region, finding.standardControlId]).toEqual(['us-east-1', 'us-west-2', 'CIS 1.4.0 3.7']);
  });

  it('rejects a GuardDuty finding with its identifier so it can be annotated', () => {
    // Act
    const [result] = findingsOf('c7n__custom-action__guardduty__awsiamaccesskey.json');

    // Assess
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a Security Hub control finding/),
      identifier: { productArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' },
    });
  });
});

describe('parseEvent / parseFindings edge cases', () => {
  const envelope = (detail: unknown, detailType = 'Security Hub Findings - Imported') => ({
    version: '0',
    id: 'e-1',
    'detail-type': detailType,
    source: 'aws.securityhub',
    region: 'us-east-1',
    resources: [],
    detail,
  });

  it.each<[string, unknown, RegExp]>([
    ['a non-object', 'hello', /not a JSON object/],
    ['an unknown detail-type', envelope({ findings: [] }, 'EC2 Instance State-change Notification'), /unknown detail-type/],
    ['missing detail.findings', envelope({}), /no detail.findings/],
    ['an empty findings array', envelope({ findings: [] }), /empty detail.findings/],
    ['more than 100 findings', envelope({ findings: Array.from({ length: 101 }, () => ({})) }), /101 findings.*at most 100/],
    [
      'a custom action without an action ARN',
      envelope({ findings: [{}] }, 'Security Hub Findings - Custom Action'),
      /no custom action ARN/,
    ],
  ])('parseEvent rejects %s', (_name, raw, reason) => {
    expect(() => parseEvent(raw)).toThrow(reason);
  });

  it('parseFindings rejects an object that is no finding', () => {
    expect(() => parseFindings({ hello: 'world' })).toThrow(InvalidInputError);
  });

  it('rejects a finding without resources with the field that is wrong', () => {
    // Act
    const [result] = parseFindings([{ Id: 'f-1', ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub', Resources: [] }]);

    // Assess
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('Resources'), identifier: { id: 'f-1' } });
  });
});
