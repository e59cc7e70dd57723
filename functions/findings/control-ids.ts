/**
 * Maps the many ways a finding names its control to the consolidated Security Hub control id
 * ("IAM.3") that the control registry is keyed by.
 *
 * Consolidated findings carry `Compliance.SecurityControlId`. Older, standard-specific findings carry
 * only the standard's own id: FSBP and Control Tower ids are already consolidated ids, CIS uses
 * requirement numbers that change between versions ("1.4" in v1.2.0 is "1.14" in v1.4.0), PCI uses
 * its own "PCI.IAM.1". The CIS tables below come from the "Version comparison" and "Mapping of
 * controls to CIS requirements" tables of the Security Hub CSPM user guide (CIS AWS Foundations
 * Benchmark page); the PCI table from its PCI DSS control titles.
 */

/** A requirement that maps to different controls by resource type (CIS v3.0.0 2.1.4 is S3.1 for the account, S3.8 for a bucket). */
type ByResourceType = Readonly<Record<string, string>>;
type Mapping = string | ByResourceType;

const s3PublicAccess: ByResourceType = { AwsAccount: 'S3.1', AwsS3Bucket: 'S3.8' };
const rdsMultiAz: ByResourceType = { AwsRdsDbInstance: 'RDS.5', AwsRdsDbCluster: 'RDS.15' };

/** CIS requirement id → consolidated control id, per benchmark version. Keys are strings: "2.1.5.1" is not a number. */
export const CIS_REQUIREMENTS: Readonly<Record<string, Readonly<Record<string, Mapping>>>> = {
  '1.2.0': {
    '1.1': 'IAM.20',
    '1.2': 'IAM.5',
    '1.3': 'IAM.8',
    '1.4': 'IAM.3',
    '1.5': 'IAM.11',
    '1.6': 'IAM.12',
    '1.7': 'IAM.13',
    '1.8': 'IAM.14',
    '1.9': 'IAM.15',
    '1.10': 'IAM.16',
    '1.11': 'IAM.17',
    '1.12': 'IAM.4',
    '1.13': 'IAM.9',
    '1.14': 'IAM.6',
    '1.16': 'IAM.2',
    '1.18': 'Account.1',
    '1.20': 'IAM.18',
    '1.22': 'IAM.1',
    '2.1': 'CloudTrail.1',
    '2.2': 'CloudTrail.4',
    '2.3': 'CloudTrail.6',
    '2.4': 'CloudTrail.5',
    '2.5': 'Config.1',
    '2.6': 'CloudTrail.7',
    '2.7': 'CloudTrail.2',
    '2.8': 'KMS.4',
    '2.9': 'EC2.6',
    '3.1': 'CloudWatch.2',
    '3.2': 'CloudWatch.3',
    '3.3': 'CloudWatch.1',
    '3.4': 'CloudWatch.4',
    '3.5': 'CloudWatch.5',
    '3.6': 'CloudWatch.6',
    '3.7': 'CloudWatch.7',
    '3.8': 'CloudWatch.8',
    '3.9': 'CloudWatch.9',
    '3.10': 'CloudWatch.10',
    '3.11': 'CloudWatch.11',
    '3.12': 'CloudWatch.12',
    '3.13': 'CloudWatch.13',
    '3.14': 'CloudWatch.14',
    '4.1': 'EC2.13',
    '4.2': 'EC2.14',
    '4.3': 'EC2.2',
  },
  '1.4.0': {
    '1.2': 'Account.1',
    '1.4': 'IAM.4',
    '1.5': 'IAM.9',
    '1.6': 'IAM.6',
    '1.7': 'CloudWatch.1',
    '1.8': 'IAM.15',
    '1.9': 'IAM.16',
    '1.10': 'IAM.5',
    '1.12': 'IAM.22',
    '1.14': 'IAM.3',
    '1.16': 'IAM.1',
    '1.17': 'IAM.18',
    '2.1.1': 'S3.4',
    '2.1.2': 'S3.5',
    '2.1.3': 'S3.20',
    '2.1.5': s3PublicAccess,
    '2.1.5.1': 'S3.1',
    '2.1.5.2': 'S3.8',
    '2.2.1': 'EC2.7',
    '2.3.1': 'RDS.3',
    '3.1': 'CloudTrail.1',
    '3.2': 'CloudTrail.4',
    '3.3': 'CloudTrail.6',
    '3.4': 'CloudTrail.5',
    '3.5': 'Config.1',
    '3.6': 'CloudTrail.7',
    '3.7': 'CloudTrail.2',
    '3.8': 'KMS.4',
    '3.9': 'EC2.6',
    '4.3': 'CloudWatch.1',
    '4.4': 'CloudWatch.4',
    '4.5': 'CloudWatch.5',
    '4.6': 'CloudWatch.6',
    '4.7': 'CloudWatch.7',
    '4.8': 'CloudWatch.8',
    '4.9': 'CloudWatch.9',
    '4.10': 'CloudWatch.10',
    '4.11': 'CloudWatch.11',
    '4.12': 'CloudWatch.12',
    '4.13': 'CloudWatch.13',
    '4.14': 'CloudWatch.14',
    '5.1': 'EC2.21',
    '5.3': 'EC2.2',
  },
  '3.0.0': {
    '1.2': 'Account.1',
    '1.4': 'IAM.4',
    '1.5': 'IAM.9',
    '1.6': 'IAM.6',
    '1.8': 'IAM.15',
    '1.9': 'IAM.16',
    '1.10': 'IAM.5',
    '1.12': 'IAM.22',
    '1.14': 'IAM.3',
    '1.15': 'IAM.2',
    '1.17': 'IAM.18',
    '1.19': 'IAM.26',
    '1.20': 'IAM.28',
    '1.22': 'IAM.27',
    '2.1.1': 'S3.5',
    '2.1.2': 'S3.20',
    '2.1.4': s3PublicAccess,
    '2.2.1': 'EC2.7',
    '2.3.1': 'RDS.3',
    '2.3.2': 'RDS.13',
    '2.3.3': 'RDS.2',
    '2.4.1': 'EFS.1',
    '3.1': 'CloudTrail.1',
    '3.2': 'CloudTrail.4',
    '3.3': 'Config.1',
    '3.4': 'CloudTrail.7',
    '3.5': 'CloudTrail.2',
    '3.6': 'KMS.4',
    '3.7': 'EC2.6',
    '5.1': 'EC2.21',
    '5.2': 'EC2.53',
    '5.3': 'EC2.54',
    '5.4': 'EC2.2',
    '5.6': 'EC2.8',
  },
  '5.0.0': {
    '1.2': 'Account.1',
    '1.3': 'IAM.4',
    '1.4': 'IAM.9',
    '1.5': 'IAM.6',
    '1.7': 'IAM.15',
    '1.8': 'IAM.16',
    '1.9': 'IAM.5',
    '1.11': 'IAM.22',
    '1.13': 'IAM.3',
    '1.14': 'IAM.2',
    '1.16': 'IAM.18',
    '1.18': 'IAM.26',
    '1.19': 'IAM.28',
    '1.21': 'IAM.27',
    '2.1.1': 'S3.5',
    '2.1.2': 'S3.20',
    '2.1.4': s3PublicAccess,
    '2.2.1': 'RDS.3',
    '2.2.2': 'RDS.13',
    '2.2.3': 'RDS.2',
    '2.2.4': rdsMultiAz,
    '3.1': 'CloudTrail.1',
    '3.2': 'CloudTrail.4',
    '3.3': 'Config.1',
    '3.4': 'CloudTrail.7',
    '3.5': 'CloudTrail.2',
    '3.6': 'KMS.4',
    '3.7': 'EC2.6',
    '5.1.1': 'EC2.7',
    '5.2': 'EC2.21',
    '5.3': 'EC2.53',
    '5.4': 'EC2.54',
    '5.5': 'EC2.2',
    '5.7': 'EC2.8',
  },
};

/** PCI DSS v3.2.1 control id → consolidated control id (only the ids whose mapping is certain). */
export const PCI_CONTROLS: Readonly<Record<string, string>> = {
  'PCI.CloudTrail.1': 'CloudTrail.2',
  'PCI.CloudTrail.2': 'CloudTrail.1',
  'PCI.CloudTrail.3': 'CloudTrail.4',
  'PCI.CloudTrail.4': 'CloudTrail.5',
  'PCI.Config.1': 'Config.1',
  'PCI.CW.1': 'CloudWatch.1',
  'PCI.EC2.2': 'EC2.2',
  'PCI.EC2.5': 'EC2.13',
  'PCI.EC2.6': 'EC2.6',
  'PCI.IAM.1': 'IAM.4',
  'PCI.IAM.2': 'IAM.2',
  'PCI.IAM.3': 'IAM.1',
  'PCI.IAM.4': 'IAM.6',
  'PCI.IAM.5': 'IAM.9',
  'PCI.IAM.6': 'IAM.19',
  'PCI.IAM.7': 'IAM.8',
  'PCI.IAM.8': 'IAM.7',
  'PCI.KMS.1': 'KMS.4',
  'PCI.S3.6': 'S3.1',
};

export const SUPPORTED_CIS_VERSIONS = Object.keys(CIS_REQUIREMENTS);

const CONSOLIDATED_ID = /^[A-Za-z][A-Za-z0-9]*\.\d+$/;
const CIS_STANDARD = 'cis-aws-foundations-benchmark';
const PCI_STANDARD = 'pci-dss';
/** "<standard>/v/<version>/[rule/]<id>" at the end of a GeneratorId or StandardsControlArn. */
const STANDARD_CONTROL = /([a-z0-9-]+)\/v\/(\d+(?:\.\d+)*)\/(?:rule\/)?([A-Za-z0-9][A-Za-z0-9._-]*)$/;
/** "<standard>/v/<version>" at the end of a StandardsArn / StandardsGuideArn. */
const STANDARD_ARN = /([a-z0-9-]+)\/v\/(\d+(?:\.\d+)*)$/;

/** The fields of a finding that name its control; loose so callers can pass raw or validated ASFF. */
export interface ControlIdSources {
  GeneratorId?: string | null;
  Compliance?: { SecurityControlId?: string | null } | null;
  ProductFields?: Record<string, unknown> | null;
  Resources?: ReadonlyArray<{ Type?: string | null } | null> | null;
}

export type ControlIdResolution = { controlId: string; standardControlId: string } | { error: string };

interface StandardControl {
  standard: string;
  version: string;
  requirement: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** Where the finding names its standard and requirement, most specific source first. */
const standardControlOf = (finding: ControlIdSources): StandardControl | undefined => {
  const fields = finding.ProductFields ?? {};
  const requirement = text(fields.ControlId) ?? text(fields.RuleId);
  const standardArn = text(fields.StandardsArn) ?? text(fields.StandardsGuideArn);
  const standard = standardArn?.match(STANDARD_ARN);
  if (requirement && standard) return { standard: standard[1], version: standard[2], requirement };
  for (const source of [text(fields.StandardsControlArn), text(finding.GeneratorId)]) {
    const match = source?.match(STANDARD_CONTROL);
    if (match) return { standard: match[1], version: match[2], requirement: match[3] };
  }
  return undefined;
};

const label = ({ standard, version, requirement }: StandardControl): string => {
  if (standard === CIS_STANDARD) return `CIS ${version} ${requirement}`;
  if (standard === PCI_STANDARD) return `PCI DSS ${version} ${requirement}`;
  return requirement;
};

const mapCis = (control: StandardControl, resourceType: string | undefined): string | { error: string } => {
  const table = CIS_REQUIREMENTS[control.version];
  if (!table) {
    return {
      error:
        `CIS AWS Foundations Benchmark v${control.version} is not supported (hubfix maps v${SUPPORTED_CIS_VERSIONS.join(', v')}); ` +
        'turn on consolidated control findings so the finding carries Compliance.SecurityControlId',
    };
  }
  const mapping = table[control.requirement];
  if (mapping === undefined) {
    return { error: `CIS v${control.version} requirement ${control.requirement} has no Security Hub control that hubfix knows` };
  }
  if (typeof mapping === 'string') return mapping;
  const byType = resourceType ? mapping[resourceType] : undefined;
  return (
    byType ?? {
      error:
        `CIS v${control.version} requirement ${control.requirement} maps to ${Object.values(mapping).join(' or ')} by resource ` +
        `type, and resource type ${resourceType ?? '(none)'} is neither`,
    }
  );
};

const mapStandardControl = (control: StandardControl, resourceType: string | undefined): string | { error: string } => {
  if (control.standard === CIS_STANDARD) return mapCis(control, resourceType);
  if (control.standard === PCI_STANDARD) {
    return (
      PCI_CONTROLS[control.requirement] ?? {
        error:
          `PCI DSS control ${control.requirement} has no consolidated control id that hubfix knows; turn on consolidated control ` +
          `findings`,
      }
    );
  }
  // FSBP, NIST, Control Tower ("CT.CloudTrail.2") and newer standards use the consolidated ids themselves.
  const id = control.requirement.replace(/^CT\./, '');
  return CONSOLIDATED_ID.test(id)
    ? id
    : { error: `control id ${control.requirement} of standard ${control.standard} is not a Security Hub control id` };
};

/**
 * The consolidated control id of a finding and the id as its standard names it
 * (e.g. { controlId: "IAM.8", standardControlId: "CIS 1.2.0 1.3" }), or why there is none.
 */
export const resolveControlId = (finding: ControlIdSources): ControlIdResolution => {
  const securityControlId = text(finding.Compliance?.SecurityControlId);
  const standardControl = standardControlOf(finding);
  if (securityControlId && CONSOLIDATED_ID.test(securityControlId)) {
    return { controlId: securityControlId, standardControlId: standardControl ? label(standardControl) : securityControlId };
  }
  if (standardControl) {
    const resourceType = text(finding.Resources?.[0]?.Type);
    const mapped = mapStandardControl(standardControl, resourceType);
    return typeof mapped === 'string' ? { controlId: mapped, standardControlId: label(standardControl) } : mapped;
  }
  // "security-control/IAM.3" (consolidated GeneratorId) or a bare ProductFields.ControlId such as "IAM.3".
  const generatorId = text(finding.GeneratorId);
  const consolidated = generatorId?.match(/(?:^|\/)security-control\/([^/]+)$/)?.[1];
  if (consolidated && CONSOLIDATED_ID.test(consolidated)) return { controlId: consolidated, standardControlId: consolidated };
  const productControlId = text(finding.ProductFields?.ControlId);
  if (productControlId && CONSOLIDATED_ID.test(productControlId))
    return { controlId: productControlId, standardControlId: productControlId };
  const requirement = productControlId ?? text(finding.ProductFields?.RuleId);
  if (requirement) {
    return {
      error:
        `control id ${requirement} names no standard (no StandardsArn, StandardsGuideArn or standards GeneratorId), so its ` +
        `version is unknown`,
    };
  }
  return {
    error:
      `not a Security Hub control finding: no Compliance.SecurityControlId, ProductFields.ControlId/RuleId or standards GeneratorId` +
      (generatorId ? ` (GeneratorId "${generatorId.slice(0, 120)}")` : ''),
  };
};
