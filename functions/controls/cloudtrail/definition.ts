import { InvalidInputError } from '../../platform/errors';
import type { FindingRef } from '../../findings/types';
import { cloudTrailBucketLogging } from './bucket-logging';
import { cloudTrailEncryption } from './encryption';
import { CREATED_TRAIL_NAME, cloudTrailMultiRegion } from './multi-region';
import { cloudTrailChangeSchema, cloudTrailPlanSchema, type CloudTrailSteps } from './schemas';
import { describeTrail, foreignTrail, remediateTrailSetting, rollbackTrailSetting, settingPlan, verifyTrailSetting } from './settings';
import { defineControl } from '../define-control';
import { ownAccount } from '../grants';
import { trailOfFinding } from '../shared/trails';

/** CloudTrail.4 / CIS 2.2, 3.2: log file validation (digest files) on the trail. */
const logFileValidation: CloudTrailSteps = {
  async assess(finding, ctx) {
    const trail = await trailOfFinding(ctx.clients, finding);
    const evidence = [describeTrail(trail)];
    if (trail.logFileValidation) return { risk: 'low', riskReason: `Trail ${trail.name} already validates its log files`, evidence };
    const foreign = foreignTrail(trail, finding, evidence);
    if (foreign) return foreign;
    return {
      risk: 'low',
      riskReason:
        `Additive: CloudTrail adds an hourly digest file next to the ` + `logs of ${trail.name}; log delivery and readers are unchanged`,
      evidence,
      plan: settingPlan(trail, { logFileValidation: true }, `Turn on log file validation for trail ${trail.name}`),
    };
  },
  remediate: remediateTrailSetting,
  verify: verifyTrailSetting,
  rollback: rollbackTrailSetting,
};

const byControl: Readonly<Record<string, CloudTrailSteps>> = {
  'CloudTrail.1': cloudTrailMultiRegion,
  'CloudTrail.2': cloudTrailEncryption,
  'CloudTrail.4': logFileValidation,
  'CloudTrail.7': cloudTrailBucketLogging,
};

const stepsFor = (finding: FindingRef): CloudTrailSteps => {
  const steps = byControl[finding.controlId];
  if (!steps) throw new InvalidInputError(`The cloudtrail plugin does not serve ${finding.controlId}`);
  return steps;
};

/**
 * CloudTrail trails: one logging multi-region trail with every management event (CloudTrail.1), SSE-KMS
 * (CloudTrail.2), log file validation (CloudTrail.4) and access logging on the trail bucket (CloudTrail.7).
 * Existing trails are updated in their home region; a trail is created only when the account has none.
 */
export const cloudTrail = defineControl({
  id: 'cloudtrail',
  title: 'CloudTrail: multi-region logging, encryption, log validation, bucket access logs',
  ids: ['CloudTrail.1', 'CloudTrail.2', 'CloudTrail.4', 'CloudTrail.7'],
  cisRefs: [
    '1.2.0/2.1',
    '1.2.0/2.2',
    '1.2.0/2.6',
    '1.2.0/2.7',
    '1.4.0/3.1',
    '1.4.0/3.2',
    '1.4.0/3.6',
    '1.4.0/3.7',
    '3.0.0/3.1',
    '3.0.0/3.2',
    '3.0.0/3.4',
    '3.0.0/3.5',
  ],
  resourceTypes: ['AwsAccount', 'AwsCloudTrailTrail', 'AwsS3Bucket'],
  assesses:
    'Every trail logging the region (DescribeTrails with shadow trails, GetTrailStatus, GetEventSelectors), trail ownership ' +
    '(organization trails), ' +
    'customer managed KMS keys and whether their key policy lets CloudTrail GenerateDataKey* for the trail (ListAliases, ' +
    'DescribeKey, GetKeyPolicy), ' +
    "who may decrypt, and the trail bucket's access logging and the configured log bucket (GetBucketLogging)",
  changes:
    'Updates the existing trail in its home region (UpdateTrail IsMultiRegionTrail / EnableLogFileValidation / KmsKeyId, ' +
    'PutEventSelectors, StartLogging); ' +
    'creates a trail only when the account has none (and cloudtrail.trailBucket is set); turns on access logging of the trail bucket ' +
    'into cloudtrail.accessLogBucket',
  reversible: true,
  automation: 'automated',
  // Trail scope and encryption change what is recorded and who can read it: a person approves unless configured otherwise.
  defaultMode: 'on-request',
  signals: [
    {
      signal: 'Every trail logging the region, its status, selectors and owner (organization trails)',
      source: 'cloudtrail:DescribeTrails (with shadow trails), GetTrailStatus, GetEventSelectors, current configuration',
      blindSpots: 'Who depends on a trail\u2019s current scope (CloudTrail.1 changes are high risk when scope changes)',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
    {
      signal: 'KMS keys CloudTrail may use and who may decrypt (CloudTrail.2)',
      source: 'kms:ListAliases, DescribeKey, GetKeyPolicy in the trail\u2019s home region',
      blindSpots:
        'Who reads the log files (SIEM, Athena, pipelines) and whether they have kms:Decrypt: always unseen, so CloudTrail.2 goes to ' +
        'a person',
      whenMissing: 'Not read at all: an unseen line, risk unknown, a person decides',
    },
    {
      signal: 'Access logging of the trail bucket and the configured log bucket (CloudTrail.7)',
      source: 's3:GetBucketLogging, current configuration',
      blindSpots: 'Nothing about use: logging is additive',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
  ],
  planSchema: cloudTrailPlanSchema,
  changeSchema: cloudTrailChangeSchema,
  permissions: {
    // Trails are read and changed in their home region; KMS reads find a key whose policy lets CloudTrail encrypt.
    assess: [
      'cloudtrail:ListTrails',
      'cloudtrail:DescribeTrails',
      'cloudtrail:GetTrailStatus',
      'cloudtrail:GetEventSelectors',
      'kms:ListAliases',
      'kms:DescribeKey',
      'kms:GetKeyPolicy',
      's3:GetBucketLogging',
    ],
    verify: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 's3:GetBucketLogging'],
    // CreateTrail only for an account with no trail (named CREATED_TRAIL_NAME).
    remediate: [
      'cloudtrail:DescribeTrails',
      'cloudtrail:GetTrailStatus',
      'cloudtrail:GetEventSelectors',
      's3:GetBucketLogging',
      'cloudtrail:UpdateTrail',
      'cloudtrail:PutEventSelectors',
      'cloudtrail:StartLogging',
      'cloudtrail:CreateTrail',
      's3:PutBucketLogging',
    ],
    rollback: [
      'cloudtrail:DescribeTrails',
      'cloudtrail:GetTrailStatus',
      'cloudtrail:GetEventSelectors',
      's3:GetBucketLogging',
      'cloudtrail:UpdateTrail',
      'cloudtrail:PutEventSelectors',
      'cloudtrail:StartLogging',
      's3:PutBucketLogging',
      {
        action: 'cloudtrail:DeleteTrail',
        resources: ownAccount('cloudtrail', `trail/${CREATED_TRAIL_NAME}`),
        why: `only the trail hubfix creates in an account that has none (${CREATED_TRAIL_NAME}, see cloudtrail-multi-region.ts)`,
      },
      {
        action: 'cloudtrail:StopLogging',
        resources: ownAccount('cloudtrail', 'trail/*'),
        why: 'rollback stops an existing trail hubfix started, which can have any name: trails of its own account only',
      },
    ],
  },
  assess: (finding, ctx) => stepsFor(finding).assess(finding, ctx),
  remediate: (finding, plan, ctx) => stepsFor(finding).remediate(finding, plan, ctx),
  verify: (finding, change, ctx) => stepsFor(finding).verify(finding, change, ctx),
  rollback: (finding, change, ctx) => stepsFor(finding).rollback(finding, change, ctx),
});

export default cloudTrail;
