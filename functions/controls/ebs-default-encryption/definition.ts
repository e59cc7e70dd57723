import {
  DisableEbsEncryptionByDefaultCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
} from '@aws-sdk/client-ec2';
import * as z from 'zod';
import { RemediationError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord, FindingRef } from '../../findings/types';
import { defineControl } from '../define-control';
import { startingPoint } from '../shared/retries';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

/** The AWS-managed key: snapshots encrypted with it cannot be shared with other accounts. */
const AWS_MANAGED_EBS_KEY = 'alias/aws/ebs';

/** The region's default is set in the finding's region: the plan names it for people, and what it replaces. */
const planSchema = z.object({
  region: z.string().optional(),
  observed: z.object({ encryptionByDefault: z.boolean().optional() }).optional(),
});
type DefaultPlan = z.infer<typeof planSchema>;

const changeSchema = z.object({ region: z.string(), encryptionByDefault: z.boolean() });
type DefaultChange = z.infer<typeof changeSchema>;

const ec2Of = (finding: FindingRef, ctx: ControlContext): EC2Client => ctx.clients.at(EC2Client, targetOf(finding));

const isEnabled = async (ec2: EC2Client): Promise<boolean> =>
  (await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault === true;

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<DefaultPlan>> {
  const { accountId, region } = targetOf(finding);
  const ec2 = ec2Of(finding, ctx);
  const [enabled, keyId] = await Promise.all([isEnabled(ec2), ec2.send(new GetEbsDefaultKmsKeyIdCommand({})).then((r) => r.KmsKeyId)]);
  const where = `account ${accountId} in ${region}`;
  const evidence = [
    { fact: `EBS encryption by default is ${enabled ? 'on' : 'off'} for ${where}.`, source: 'ec2:GetEbsEncryptionByDefault' },
  ];
  if (enabled) return { risk: 'low', riskReason: `EBS encryption by default is already on for ${where}`, evidence };

  evidence.push(
    {
      fact:
        'The setting applies only to volumes created after it is turned on: existing volumes, snapshots and running instances ' +
        'are not changed.',
      source: 'ec2:EnableEbsEncryptionByDefault (AWS documentation)',
    },
    {
      fact:
        `New volumes will be encrypted with ${keyId ?? AWS_MANAGED_EBS_KEY}` +
        (keyId === undefined || keyId === AWS_MANAGED_EBS_KEY
          ? ' (AWS managed: their snapshots cannot be shared with other accounts).'
          : '.'),
      source: 'ec2:GetEbsDefaultKmsKeyId',
    },
  );
  return {
    risk: 'low',
    riskReason: `Only new EBS volumes in ${region} are affected; nothing that exists changes`,
    evidence,
    plan: {
      summary: `Turn on EBS encryption by default for ${where}`,
      steps: [`ec2:EnableEbsEncryptionByDefault (region ${region})`],
      reversible: true,
      // observed: what the plan replaces; a retry that finds the default on already records it as `before` (types.ts).
      parameters: { region, observed: { encryptionByDefault: enabled } },
    },
  };
}

/**
 * Sets the region's default and records what it was; a call that fails changed nothing. A default already as wanted is
 * recorded as `startedFrom` says it was before the first attempt (types.ts, rule 2).
 */
const setDefault = async (
  finding: FindingRef,
  ctx: ControlContext,
  enable: boolean,
  startedFrom: boolean | undefined,
): Promise<ChangeRecord<DefaultChange>> => {
  const ec2 = ec2Of(finding, ctx);
  const { region } = targetOf(finding);
  const live = await isEnabled(ec2);
  const before = startingPoint(live, enable, startedFrom);
  const state = enable ? 'on' : 'off';
  if (live !== enable) {
    try {
      await ec2.send(enable ? new EnableEbsEncryptionByDefaultCommand({}) : new DisableEbsEncryptionByDefaultCommand({}));
    } catch (error) {
      throw new RemediationError(
        `Turning EBS encryption by default ${state} in ${region} failed (${(error as Error).name}: ${(error as Error).message}); ` +
          `nothing was changed`,
        {
          cause: error,
        },
      );
    }
  }
  return {
    summary:
      before === enable
        ? `EBS encryption by default was already ${state} in ${region}`
        : `Turned EBS encryption by default ${state} in ${region}`,
    before: { region, encryptionByDefault: before },
    after: { region, encryptionByDefault: enable },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};

export const ebsDefaultEncryption = defineControl({
  id: 'ebs-default-encryption',
  title: 'EBS encryption by default',
  ids: ['EC2.7'],
  cisRefs: ['1.4.0/2.2.1', '3.0.0/2.2.1', '5.0.0/5.1.1'],
  resourceTypes: ['AwsAccount'],
  assesses: 'GetEbsEncryptionByDefault and the default KMS key of the region (new volumes only are affected)',
  changes: 'Turns on EBS encryption by default in the finding\u2019s region (existing volumes are untouched)',
  reversible: true,
  automation: 'automated',
  defaultMode: 'auto',
  signals: [
    {
      signal: 'EBS encryption by default and the default KMS key of the region',
      source: 'ec2:GetEbsEncryptionByDefault, ec2:GetEbsDefaultKmsKeyId in the finding\u2019s region',
      blindSpots:
        'Launch paths that cannot use encrypted volumes (e.g. sharing unencrypted AMIs/snapshots with accounts without the key): ' +
        'only new volumes are affected',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
  ],
  planSchema,
  changeSchema,
  permissions: {
    assess: ['ec2:GetEbsEncryptionByDefault', 'ec2:GetEbsDefaultKmsKeyId'],
    verify: ['ec2:GetEbsEncryptionByDefault'],
    remediate: ['ec2:GetEbsEncryptionByDefault', 'ec2:EnableEbsEncryptionByDefault'],
    // A region-wide account setting: IAM knows no resource for it.
    rollback: ['ec2:GetEbsEncryptionByDefault', 'ec2:EnableEbsEncryptionByDefault', 'ec2:DisableEbsEncryptionByDefault'],
  },
  assess,
  remediate: (finding, plan, ctx) => setDefault(finding, ctx, true, plan.parameters.observed?.encryptionByDefault),
  async verify(finding, _change, ctx) {
    const { region } = targetOf(finding);
    if (!(await isEnabled(ec2Of(finding, ctx)))) throw new VerificationFailedError(`EBS encryption by default is still off in ${region}`);
    return `EC2 reports EBS encryption by default on in ${region}`;
  },
  rollback: (finding, change, ctx) => setDefault(finding, ctx, change.before.encryptionByDefault, change.after.encryptionByDefault),
});

export default ebsDefaultEncryption;
