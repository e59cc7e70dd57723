import { auditRegion, selectedChanges, type RegionFacts } from '../../functions/hygiene/audit';
import { isGlobalResourceControl, standardsArn } from '../../functions/hygiene/standards';
import type { AuditReport } from '../../functions/hygiene/types';

const FSBP = standardsArn('fsbp', 'eu-west-1');
const CIS12 = standardsArn('cis-1.2.0', 'eu-west-1');
const CIS3 = standardsArn('cis-3.0.0', 'eu-west-1');

const facts = (overrides: Partial<RegionFacts> = {}): RegionFacts => ({
  accountId: '222222222222',
  region: 'eu-west-1',
  consolidatedFindings: false,
  enabledStandards: [FSBP, CIS12],
  associations: [],
  resourceCounts: {},
  failedFindings: [],
  ...overrides,
});

const enabled = (standards: string, id: string) => ({ standardsArn: standards, securityControlId: id, status: 'ENABLED' as const });

describe('global-resource controls', () => {
  it('proposes IAM controls outside the home region in every standard, and counts the failed findings they remove', () => {
    // Prepare
    const region = facts({
      associations: [enabled(FSBP, 'IAM.3'), enabled(CIS12, 'IAM.3'), enabled(CIS12, 'IAM.9')],
      failedFindings: [
        { securityControlId: 'IAM.3', standardsIds: ['standards/aws-foundational-security-best-practices/v/1.0.0'] },
        { securityControlId: 'IAM.3', standardsIds: ['ruleset/cis-aws-foundations-benchmark/v/1.2.0'] },
        { securityControlId: 'IAM.9', standardsIds: ['ruleset/cis-aws-foundations-benchmark/v/1.2.0'] },
      ],
    });

    // Act
    const audit = auditRegion(region, 'us-east-1');

    // Assess
    expect(audit.candidates.map((c) => [c.kind, c.securityControlId, c.standardsArn, c.failedFindings, c.selected])).toEqual([
      ['global-outside-home-region', 'IAM.3', FSBP, 1, true],
      ['global-outside-home-region', 'IAM.3', CIS12, 1, true],
      ['global-outside-home-region', 'IAM.9', CIS12, 1, true],
    ]);
    expect(audit.candidates[0].why).toMatch(/global resource.*us-east-1/);
    expect([audit.failedFindingsBefore, audit.failedFindingsAfter]).toEqual([3, 0]);
  });

  it('leaves global controls alone in the home region', () => {
    // Act
    const audit = auditRegion(
      facts({ region: 'us-east-1', consolidatedFindings: true, associations: [enabled(FSBP, 'IAM.3')] }),
      'us-east-1',
    );

    // Assess
    expect(audit.candidates).toEqual([]);
    expect(audit.homeRegion).toBe(true);
  });

  it('treats IAM, Account and KMS.1/KMS.2 as global, but not CloudTrail.1, KMS.4 or CloudFront', () => {
    // Assess
    expect(['IAM.3', 'IAM.21', 'Account.1', 'KMS.1', 'KMS.2'].every(isGlobalResourceControl)).toBe(true);
    expect(['CloudTrail.1', 'KMS.4', 'CloudFront.1', 'EC2.2'].some(isGlobalResourceControl)).toBe(false);
  });
});

describe('duplicates across standards', () => {
  it('keeps a check in the newest CIS standard and proposes the other copies when consolidated findings are off', () => {
    // Prepare
    const region = facts({
      region: 'us-east-1',
      enabledStandards: [FSBP, CIS12, CIS3],
      associations: [enabled(FSBP, 'CloudTrail.2'), enabled(CIS12, 'CloudTrail.2'), enabled(CIS3, 'CloudTrail.2'), enabled(FSBP, 'EC2.2')],
      failedFindings: [
        { securityControlId: 'CloudTrail.2', standardsIds: ['standards/aws-foundational-security-best-practices/v/1.0.0'] },
        { securityControlId: 'CloudTrail.2', standardsIds: ['standards/cis-aws-foundations-benchmark/v/3.0.0'] },
      ],
    });

    // Act
    const audit = auditRegion(region, 'us-east-1');

    // Assess
    expect(audit.candidates.map((c) => [c.kind, c.standardsArn, c.failedFindings])).toEqual([
      ['duplicate-across-standards', CIS12, 0],
      ['duplicate-across-standards', FSBP, 1],
    ]);
    expect(audit.candidates[1].why).toContain('CIS AWS Foundations Benchmark v3.0.0 (kept there)');
    expect(audit.failedFindingsAfter).toBe(1);
  });

  it('proposes no duplicates when consolidated control findings are on (one finding per check already)', () => {
    // Act
    const audit = auditRegion(
      facts({
        region: 'us-east-1',
        consolidatedFindings: true,
        associations: [enabled(FSBP, 'CloudTrail.2'), enabled(CIS12, 'CloudTrail.2')],
      }),
      'us-east-1',
    );

    // Assess
    expect(audit.candidates).toEqual([]);
  });
});

describe('controls with no resources', () => {
  it('lists them unselected, only for counted resource kinds that are zero', () => {
    // Prepare
    const region = facts({
      region: 'us-east-1',
      consolidatedFindings: true,
      associations: [enabled(CIS3, 'KMS.4'), enabled(FSBP, 'EC2.8')],
      resourceCounts: { kmsCustomerKeys: 0, ec2Instances: 2 },
    });

    // Act
    const audit = auditRegion(region, 'us-east-1');

    // Assess
    expect(audit.candidates.map((c) => [c.kind, c.securityControlId, c.selected])).toEqual([['no-resources', 'KMS.4', false]]);
  });
});

describe('consolidated findings', () => {
  it('count a finding as removed only when every standard it belongs to loses the control', () => {
    // Prepare: IAM.3 is disabled outside the home region in both standards; the consolidated finding names both.
    const region = facts({
      consolidatedFindings: true,
      enabledStandards: [FSBP, CIS3],
      associations: [enabled(FSBP, 'IAM.3'), enabled(CIS3, 'IAM.3'), enabled(FSBP, 'EC2.2'), enabled(CIS3, 'EC2.2')],
      failedFindings: [
        {
          securityControlId: 'IAM.3',
          standardsIds: ['standards/aws-foundational-security-best-practices/v/1.0.0', 'standards/cis-aws-foundations-benchmark/v/3.0.0'],
        },
        {
          securityControlId: 'EC2.2',
          standardsIds: ['standards/aws-foundational-security-best-practices/v/1.0.0', 'standards/cis-aws-foundations-benchmark/v/3.0.0'],
        },
      ],
    });

    // Act
    const audit = auditRegion(region, 'us-east-1');

    // Assess
    expect(audit.candidates.reduce((n, c) => n + c.failedFindings, 0)).toBe(1);
    expect([audit.failedFindingsBefore, audit.failedFindingsAfter]).toEqual([2, 1]);
  });
});

describe('selectedChanges', () => {
  it('turns selected candidates (and the kinds asked for) into DISABLED changes with the reason recorded', () => {
    // Prepare
    const audit = auditRegion(
      facts({
        associations: [enabled(FSBP, 'IAM.3'), enabled(CIS3, 'KMS.4')],
        enabledStandards: [FSBP, CIS3],
        resourceCounts: { kmsCustomerKeys: 0 },
      }),
      'us-east-1',
    );
    const report: AuditReport = {
      homeRegion: 'us-east-1',
      generatedAt: '',
      regions: [audit],
      totals: { candidates: 2, selected: 1, failedFindingsBefore: 0, failedFindingsAfter: 0 },
    };

    // Act
    const byDefault = selectedChanges(report);
    const withNoResources = selectedChanges(report, ['no-resources']);

    // Assess
    expect(byDefault).toEqual([
      expect.objectContaining({
        securityControlId: 'IAM.3',
        status: 'DISABLED',
        reason: expect.stringMatching(/^hubfix control hygiene \(global-outside-home-region\): IAM\.3/),
      }),
    ]);
    expect(withNoResources.map((c) => c.securityControlId)).toEqual(['IAM.3', 'KMS.4']);
    expect(withNoResources.every((c) => c.reason.length <= 500)).toBe(true);
  });
});
