import { InvalidInputError } from '../commons/errors';
import type { FindingRef } from '../commons/types';
import { cloudTrailBucketLogging } from './cloudtrail-bucket-logging';
import { cloudTrailEncryption } from './cloudtrail-encryption';
import { cloudTrailMultiRegion } from './cloudtrail-multi-region';
import {
  describeTrail,
  foreignTrail,
  remediateTrailSetting,
  rollbackTrailSetting,
  settingPlan,
  verifyTrailSetting,
  type ControlSteps,
} from './cloudtrail-settings';
import { trailOfFinding } from './trails';
import type { ControlPlugin } from './types';

/** CloudTrail.4 / CIS 2.2, 3.2: log file validation (digest files) on the trail. */
const logFileValidation: ControlSteps = {
  async assess(finding, ctx) {
    const trail = await trailOfFinding(ctx.clients, finding);
    const evidence = [describeTrail(trail)];
    if (trail.logFileValidation) return { risk: 'low', riskReason: `Trail ${trail.name} already validates its log files`, evidence };
    const foreign = foreignTrail(trail, finding, evidence);
    if (foreign) return foreign;
    return {
      risk: 'low',
      riskReason: `Additive: CloudTrail adds an hourly digest file next to the logs of ${trail.name}; log delivery and readers are unchanged`,
      evidence,
      plan: settingPlan(trail, { logFileValidation: true }, `Turn on log file validation for trail ${trail.name}`),
    };
  },
  remediate: (finding, plan, ctx) => remediateTrailSetting(finding, plan.parameters, ctx),
  verify: verifyTrailSetting,
  rollback: rollbackTrailSetting,
};

const byControl: Readonly<Record<string, ControlSteps>> = {
  'CloudTrail.1': cloudTrailMultiRegion,
  'CloudTrail.2': cloudTrailEncryption,
  'CloudTrail.4': logFileValidation,
  'CloudTrail.7': cloudTrailBucketLogging,
};

const stepsFor = (finding: FindingRef): ControlSteps => {
  const steps = byControl[finding.controlId];
  if (!steps) throw new InvalidInputError(`The cloudtrail plugin does not serve ${finding.controlId}`);
  return steps;
};

/**
 * CloudTrail trails: one logging multi-region trail with every management event (CloudTrail.1), SSE-KMS
 * (CloudTrail.2), log file validation (CloudTrail.4) and access logging on the trail bucket (CloudTrail.7).
 * Existing trails are updated in their home region; a trail is created only when the account has none.
 */
export const cloudTrail: ControlPlugin = {
  id: 'cloudtrail',
  title: 'CloudTrail: multi-region logging, encryption, log validation, bucket access logs',
  securityControlIds: ['CloudTrail.1', 'CloudTrail.2', 'CloudTrail.4', 'CloudTrail.7'],
  cisIds: [
    '1.2.0/2.1', '1.2.0/2.2', '1.2.0/2.6', '1.2.0/2.7',
    '1.4.0/3.1', '1.4.0/3.2', '1.4.0/3.6', '1.4.0/3.7',
    '3.0.0/3.1', '3.0.0/3.2', '3.0.0/3.4', '3.0.0/3.5',
  ],
  resourceTypes: ['AwsAccount', 'AwsCloudTrailTrail', 'AwsS3Bucket'],
  assesses:
    'Every trail logging the region (DescribeTrails with shadow trails, GetTrailStatus, GetEventSelectors), trail ownership (organization trails), ' +
    'customer managed KMS keys and whether their key policy lets CloudTrail GenerateDataKey* for the trail (ListAliases, DescribeKey, GetKeyPolicy), ' +
    'who may decrypt, and the trail bucket\'s access logging and the configured log bucket (GetBucketLogging)',
  changes:
    'Updates the existing trail in its home region (UpdateTrail IsMultiRegionTrail / EnableLogFileValidation / KmsKeyId, PutEventSelectors, StartLogging); ' +
    'creates a trail only when the account has none (and cloudtrail.trailBucket is set); turns on access logging of the trail bucket into cloudtrail.accessLogBucket',
  reversible: true,
  automation: 'automated',
  // Trail scope and encryption change what is recorded and who can read it: a person approves unless configured otherwise.
  defaultMode: 'approval',
  assess: (finding, ctx) => stepsFor(finding).assess(finding, ctx),
  remediate: (finding, plan, ctx) => stepsFor(finding).remediate(finding, plan, ctx),
  verify: (finding, change, ctx) => stepsFor(finding).verify(finding, change, ctx),
  rollback: (finding, change, ctx) => stepsFor(finding).rollback(finding, change, ctx),
};
