import { CIS_REQUIREMENTS, PCI_CONTROLS, resolveControlId, type ControlIdSources } from '../../functions/findings/control-ids';
import { plugins } from '../../functions/controls/registry';

const CONSOLIDATED = /^[A-Za-z][A-Za-z0-9]*\.\d+$/;

describe('resolveControlId', () => {
  it.each<[string, ControlIdSources, string, string]>([
    [
      'Compliance.SecurityControlId',
      { Compliance: { SecurityControlId: 'IAM.3' }, GeneratorId: 'security-control/IAM.3' },
      'IAM.3',
      'IAM.3',
    ],
    ['consolidated GeneratorId only', { GeneratorId: 'security-control/IAM.22' }, 'IAM.22', 'IAM.22'],
    [
      'FSBP ProductFields.ControlId',
      {
        ProductFields: {
          StandardsArn: 'arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0',
          ControlId: 'IAM.3',
        },
      },
      'IAM.3',
      'IAM.3',
    ],
    ['FSBP GeneratorId only', { GeneratorId: 'aws-foundational-security-best-practices/v/1.0.0/IAM.3' }, 'IAM.3', 'IAM.3'],
    [
      'CIS 1.2.0 ProductFields.RuleId',
      { ProductFields: { StandardsGuideArn: 'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0', RuleId: '1.3' } },
      'IAM.8',
      'CIS 1.2.0 1.3',
    ],
    [
      'CIS 1.2.0 ruleset GeneratorId only',
      { GeneratorId: 'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.3' },
      'IAM.8',
      'CIS 1.2.0 1.3',
    ],
    [
      'CIS 1.4.0 ProductFields.ControlId',
      { ProductFields: { StandardsArn: 'arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0', ControlId: '1.14' } },
      'IAM.3',
      'CIS 1.4.0 1.14',
    ],
    ['CIS 1.4.0 GeneratorId only', { GeneratorId: 'cis-aws-foundations-benchmark/v/1.4.0/1.14' }, 'IAM.3', 'CIS 1.4.0 1.14'],
    ['CIS 1.4.0 GeneratorId with rule/', { GeneratorId: 'cis-aws-foundations-benchmark/v/1.4.0/rule/1.12' }, 'IAM.22', 'CIS 1.4.0 1.12'],
    ['CIS 1.4.0 four-part id', { GeneratorId: 'cis-aws-foundations-benchmark/v/1.4.0/2.1.5.2' }, 'S3.8', 'CIS 1.4.0 2.1.5.2'],
    ['CIS 3.0.0 2.2.1 (not a number)', { GeneratorId: 'cis-aws-foundations-benchmark/v/3.0.0/2.2.1' }, 'EC2.7', 'CIS 3.0.0 2.2.1'],
    ['CIS 5.0.0 5.1.1', { GeneratorId: 'cis-aws-foundations-benchmark/v/5.0.0/5.1.1' }, 'EC2.7', 'CIS 5.0.0 5.1.1'],
    [
      'StandardsControlArn only',
      {
        ProductFields: {
          StandardsControlArn: 'arn:aws:securityhub:us-east-1:111122223333:control/cis-aws-foundations-benchmark/v/1.2.0/2.8',
        },
      },
      'KMS.4',
      'CIS 1.2.0 2.8',
    ],
    ['PCI GeneratorId only', { GeneratorId: 'pci-dss/v/3.2.1/PCI.IAM.1' }, 'IAM.4', 'PCI DSS 3.2.1 PCI.IAM.1'],
    [
      'SecurityControlId wins over the CIS table',
      {
        Compliance: { SecurityControlId: 'CloudTrail.2' },
        GeneratorId: 'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/2.7',
      },
      'CloudTrail.2',
      'CIS 1.2.0 2.7',
    ],
    [
      'Control Tower "CT." prefix',
      {
        ProductFields: {
          StandardsArn: 'arn:aws:securityhub:::standards/service-managed-aws-control-tower/v/1.0.0',
          ControlId: 'CT.CloudTrail.2',
        },
      },
      'CloudTrail.2',
      'CT.CloudTrail.2',
    ],
  ])('maps %s', (_name, finding, controlId, standardControlId) => {
    // Act
    const resolved = resolveControlId(finding);

    // Assess
    expect(resolved).toEqual({ controlId, standardControlId });
  });

  it.each([
    ['AwsAccount', 'S3.1'],
    ['AwsS3Bucket', 'S3.8'],
  ])('disambiguates CIS 3.0.0 2.1.4 by resource type %s', (type, controlId) => {
    // Prepare
    const finding = { GeneratorId: 'cis-aws-foundations-benchmark/v/3.0.0/2.1.4', Resources: [{ Type: type }] };

    // Act / Assess
    expect(resolveControlId(finding)).toEqual({ controlId, standardControlId: 'CIS 3.0.0 2.1.4' });
  });

  it.each<[string, ControlIdSources, RegExp]>([
    [
      'an unsupported CIS version',
      { GeneratorId: 'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.7.0/rule/1.6' },
      /v1\.7\.0 is not supported.*v1\.2\.0, v1\.4\.0, v3\.0\.0/,
    ],
    [
      'an unknown CIS requirement',
      { GeneratorId: 'cis-aws-foundations-benchmark/v/1.4.0/9.9' },
      /requirement 9\.9 has no Security Hub control/,
    ],
    [
      'an ambiguous requirement for another resource type',
      { GeneratorId: 'cis-aws-foundations-benchmark/v/3.0.0/2.1.4', Resources: [{ Type: 'AwsEc2Instance' }] },
      /S3\.1 or S3\.8.*AwsEc2Instance/,
    ],
    ['an unmapped PCI control', { GeneratorId: 'pci-dss/v/3.2.1/PCI.Lambda.2' }, /PCI DSS control PCI\.Lambda\.2/],
    ['a CIS number without a standard', { ProductFields: { RuleId: '1.4' } }, /names no standard/],
    [
      'a GuardDuty finding',
      { GeneratorId: 'arn:aws:guardduty:us-east-1:111122223333:detector/abc' },
      /not a Security Hub control finding.*guardduty/,
    ],
    ['nothing at all', {}, /not a Security Hub control finding/],
  ])('explains %s', (_name, finding, reason) => {
    // Act
    const resolved = resolveControlId(finding);

    // Assess
    expect('error' in resolved && resolved.error).toMatch(reason);
  });
});

describe('mapping tables', () => {
  const cisEntries = Object.entries(CIS_REQUIREMENTS).flatMap(([version, table]) =>
    Object.entries(table).flatMap(([requirement, mapping]) =>
      (typeof mapping === 'string' ? [mapping] : Object.values(mapping)).map((controlId) => ({ version, requirement, controlId })),
    ),
  );

  it('uses dotted string requirement ids and consolidated control ids only', () => {
    // Assess
    for (const { requirement, controlId } of cisEntries) {
      expect(requirement).toMatch(/^\d+(\.\d+)+$/);
      expect(controlId).toMatch(CONSOLIDATED);
    }
    for (const controlId of Object.values(PCI_CONTROLS)) expect(controlId).toMatch(CONSOLIDATED);
  });

  it.each(['1.2.0', '1.4.0', '3.0.0'])('covers the IAM, S3, EC2, CloudTrail, KMS, Config and CloudWatch families in CIS %s', (version) => {
    // Act
    const families = new Set(cisEntries.filter((entry) => entry.version === version).map((entry) => entry.controlId.split('.')[0]));

    // Assess
    // CIS 1.2.0 has no S3 requirement of its own; CIS 3.0.0 left the CloudWatch alarms to manual checks.
    const expected: Record<string, string[]> = {
      '1.2.0': ['IAM', 'EC2', 'CloudTrail', 'KMS', 'Config', 'CloudWatch'],
      '1.4.0': ['IAM', 'S3', 'EC2', 'CloudTrail', 'KMS', 'Config', 'CloudWatch'],
      '3.0.0': ['IAM', 'S3', 'EC2', 'CloudTrail', 'KMS', 'Config'],
    };
    for (const family of expected[version]) expect(families).toContain(family);
  });

  it('agrees with the CIS references every control plugin declares', () => {
    // Assess: a plugin's "1.2.0/1.4" must resolve to one of the control ids that plugin serves, for one of its
    // resource types (CIS 3.0.0 2.1.4 is S3.1 for an AwsAccount and S3.8 for an AwsS3Bucket)
    for (const plugin of plugins) {
      for (const reference of plugin.cisIds) {
        const [version, requirement] = reference.split('/');
        const generatorId = `cis-aws-foundations-benchmark/v/${version}/${requirement}`;
        const resolvedIds = [
          resolveControlId({ GeneratorId: generatorId }),
          ...plugin.resourceTypes.map((Type) => resolveControlId({ GeneratorId: generatorId, Resources: [{ Type }] })),
        ];
        const resolved = resolvedIds.some((r) => 'controlId' in r && plugin.securityControlIds.includes(r.controlId));
        expect({ reference, resolved }).toEqual({ reference, resolved: true });
      }
    }
  });
});
