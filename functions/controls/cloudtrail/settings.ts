import { UpdateTrailCommand, type UpdateTrailCommandInput } from '@aws-sdk/client-cloudtrail';
import { RemediationError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import {
  settingPlanOf,
  settingSideOf,
  type CloudTrailChange,
  type CloudTrailPlan,
  type TrailSetting,
  type TrailSettingPlan,
} from './schemas';
import { startingPoint } from '../shared/retries';
import { trailActivity, trailByArn, trailClient, type TrailFacts } from '../shared/trails';
import type { ControlAssessment, ControlContext } from '../types';

export const describeTrail = (trail: TrailFacts): Evidence => ({
  fact:
    `Trail ${trail.name} (home region ${trail.homeRegion}, ${trail.multiRegion ? 'multi-region' : 'single-region'}) delivers to ` +
    `s3://${trail.bucket}; ` +
    `log file validation ${trail.logFileValidation ? 'on' : 'off'}; SSE-KMS ` +
    `${trail.kmsKeyId ? `with ${trail.kmsKeyId}` : 'off (SSE-S3 only)'}.`,
  source: 'cloudtrail:DescribeTrails',
});

/** An organization trail of another account can only be changed there: say so instead of failing on UpdateTrail. */
export const foreignTrail = (trail: TrailFacts, finding: FindingRef, evidence: Evidence[]): ControlAssessment<never> | undefined =>
  trail.ownerAccountId === finding.accountId
    ? undefined
    : {
        risk: 'low',
        riskReason: `trail ${trail.name} belongs to account ${trail.ownerAccountId} (organization trail): change it in that account`,
        evidence,
        blocked: true,
      };

const settingOf = (trail: TrailFacts, like: TrailSetting): TrailSetting =>
  'logFileValidation' in like ? { logFileValidation: trail.logFileValidation } : { kmsKeyId: trail.kmsKeyId ?? null };

const inputOf = (setting: TrailSetting): Partial<UpdateTrailCommandInput> =>
  // An empty KmsKeyId removes SSE-KMS: how a trail goes back to SSE-S3.
  'logFileValidation' in setting ? { EnableLogFileValidation: setting.logFileValidation } : { KmsKeyId: setting.kmsKeyId ?? '' };

const describeSetting = (setting: TrailSetting): string =>
  'logFileValidation' in setting
    ? `log file validation ${setting.logFileValidation ? 'on' : 'off'}`
    : setting.kmsKeyId
      ? `SSE-KMS with ${setting.kmsKeyId}`
      : 'SSE-KMS off';

const sameSetting = (a: TrailSetting, b: TrailSetting): boolean => JSON.stringify(a) === JSON.stringify(b);

export const settingPlan = (trail: TrailFacts, setting: TrailSetting, summary: string): Plan<TrailSettingPlan> => ({
  summary,
  steps: [
    `cloudtrail:UpdateTrail Name=${trail.arn} ${Object.entries(inputOf(setting))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ')} (in ${trail.homeRegion})`,
  ],
  reversible: true,
  parameters: { trailArn: trail.arn, homeRegion: trail.homeRegion, setting, observed: settingOf(trail, setting) },
});

/**
 * Sets one trail setting with UpdateTrail in the trail's home region, recording the value it replaced: the live one, or
 * once the setting is already as planned, `startedFrom` (what was there before the first attempt; types.ts, rule 2).
 */
export const applyTrailSetting = async (
  finding: FindingRef,
  plan: TrailSettingPlan,
  ctx: ControlContext,
  startedFrom: TrailSetting | undefined,
): Promise<ChangeRecord<CloudTrailChange>> => {
  const trail = await trailByArn(ctx.clients, finding.accountId, plan.trailArn);
  const live = settingOf(trail, plan.setting);
  const before = startingPoint(live, plan.setting, startedFrom, sameSetting);
  if (!sameSetting(live, plan.setting)) {
    try {
      await trailClient(ctx.clients, finding.accountId, plan).send(
        new UpdateTrailCommand({ Name: plan.trailArn, ...inputOf(plan.setting) }),
      );
    } catch (error) {
      throw new RemediationError(
        `UpdateTrail on ${trail.name} failed (${(error as Error).name}: ${(error as Error).message}); nothing was changed`,
        { cause: error },
      );
    }
  }
  return {
    summary: sameSetting(before, plan.setting)
      ? `Trail ${trail.name} already had ${describeSetting(plan.setting)}`
      : `Set ${describeSetting(plan.setting)} on trail ${trail.name} (was ${describeSetting(before)})`,
    before: { trailArn: plan.trailArn, homeRegion: plan.homeRegion, setting: before },
    after: { trailArn: plan.trailArn, homeRegion: plan.homeRegion, setting: plan.setting },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};

/** Re-reads the trail (DescribeTrails, GetTrailStatus) and checks it holds the setting the change recorded. */
export const verifyTrailSetting = async (
  finding: FindingRef,
  change: ChangeRecord<CloudTrailChange>,
  ctx: ControlContext,
): Promise<string> => {
  const plan = settingSideOf(change.after);
  const trail = await trailByArn(ctx.clients, finding.accountId, plan.trailArn);
  const now = settingOf(trail, plan.setting);
  if (!sameSetting(now, plan.setting)) {
    throw new VerificationFailedError(`Trail ${trail.name} has ${describeSetting(now)}, not ${describeSetting(plan.setting)}`);
  }
  const { isLogging } = await trailActivity(ctx.clients, finding.accountId, trail);
  return `CloudTrail reports trail ${trail.name} with ${describeSetting(now)}${isLogging ? ', logging' : ' (the trail is not logging)'}`;
};

export const remediateTrailSetting = (
  finding: FindingRef,
  plan: Plan<CloudTrailPlan>,
  ctx: ControlContext,
): Promise<ChangeRecord<CloudTrailChange>> => {
  const setting = settingPlanOf(plan.parameters);
  return applyTrailSetting(finding, setting, ctx, setting.observed);
};

export const rollbackTrailSetting = (
  finding: FindingRef,
  change: ChangeRecord<CloudTrailChange>,
  ctx: ControlContext,
): Promise<ChangeRecord<CloudTrailChange>> =>
  applyTrailSetting(finding, settingSideOf(change.before), ctx, settingSideOf(change.after).setting);
