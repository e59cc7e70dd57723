import { UpdateTrailCommand, type UpdateTrailCommandInput } from '@aws-sdk/client-cloudtrail';
import { InvalidInputError, RemediationError, VerificationFailedError } from '../commons/errors';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../commons/types';
import { startingPoint } from './retries';
import { trailActivity, trailByArn, trailClient, type TrailFacts } from './trails';
import type { ControlAssessment, ControlContext, ControlPlugin } from './types';

/** The steps of one control inside a multi-control plugin. */
export type ControlSteps = Pick<ControlPlugin, 'assess' | 'remediate' | 'verify' | 'rollback'>;

/** One trail setting a control turns on: log file validation (CloudTrail.4) or the SSE-KMS key (CloudTrail.2). */
export type TrailSetting = { logFileValidation: boolean } | { kmsKeyId: string | null };

export interface TrailSettingPlan {
  trailArn: string;
  homeRegion: string;
  setting: TrailSetting;
  /** Plans only: the setting as assessed, which a retry records as `before` once the setting is already changed (types.ts). */
  observed?: TrailSetting;
}

const isSetting = (value: unknown): value is TrailSetting => typeof value === 'object' && value !== null;

export const trailSettingPlanOf = (parameters: Record<string, unknown>): TrailSettingPlan => {
  const { trailArn, homeRegion, setting, observed } = parameters as Partial<TrailSettingPlan>;
  if (typeof trailArn !== 'string' || typeof homeRegion !== 'string' || !isSetting(setting)) {
    throw new InvalidInputError('The plan does not name a trail and the setting to change');
  }
  return { trailArn, homeRegion, setting, ...(isSetting(observed) ? { observed } : {}) };
};

export const describeTrail = (trail: TrailFacts): Evidence => ({
  fact:
    `Trail ${trail.name} (home region ${trail.homeRegion}, ${trail.multiRegion ? 'multi-region' : 'single-region'}) delivers to s3://${trail.bucket}; ` +
    `log file validation ${trail.logFileValidation ? 'on' : 'off'}; SSE-KMS ${trail.kmsKeyId ? `with ${trail.kmsKeyId}` : 'off (SSE-S3 only)'}.`,
  source: 'cloudtrail:DescribeTrails',
});

/** An organization trail of another account can only be changed there: say so instead of failing on UpdateTrail. */
export const foreignTrail = (trail: TrailFacts, finding: FindingRef, evidence: Evidence[]): ControlAssessment | undefined =>
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

export const settingPlan = (trail: TrailFacts, setting: TrailSetting, summary: string): Plan => ({
  summary,
  steps: [`cloudtrail:UpdateTrail Name=${trail.arn} ${Object.entries(inputOf(setting)).map(([k, v]) => `${k}=${String(v)}`).join(' ')} (in ${trail.homeRegion})`],
  reversible: true,
  parameters: { trailArn: trail.arn, homeRegion: trail.homeRegion, setting, observed: settingOf(trail, setting) },
});

/**
 * Sets one trail setting with UpdateTrail in the trail's home region, recording the value it replaced: the live one, or
 * once the setting is already as planned, `startedFrom` (what was there before the first attempt; types.ts, rule 2).
 */
export const applyTrailSetting = async (finding: FindingRef, plan: TrailSettingPlan, ctx: ControlContext, startedFrom: TrailSetting | undefined): Promise<ChangeRecord> => {
  const trail = await trailByArn(ctx.clients, finding.accountId, plan.trailArn);
  const live = settingOf(trail, plan.setting);
  const before = startingPoint(live, plan.setting, startedFrom, sameSetting);
  if (!sameSetting(live, plan.setting)) {
    try {
      await trailClient(ctx.clients, finding.accountId, plan).send(new UpdateTrailCommand({ Name: plan.trailArn, ...inputOf(plan.setting) }));
    } catch (error) {
      throw new RemediationError(`UpdateTrail on ${trail.name} failed (${(error as Error).name}: ${(error as Error).message}); nothing was changed`, { cause: error });
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
export const verifyTrailSetting = async (finding: FindingRef, change: ChangeRecord, ctx: ControlContext): Promise<string> => {
  const plan = trailSettingPlanOf(change.after);
  const trail = await trailByArn(ctx.clients, finding.accountId, plan.trailArn);
  const now = settingOf(trail, plan.setting);
  if (!sameSetting(now, plan.setting)) {
    throw new VerificationFailedError(`Trail ${trail.name} has ${describeSetting(now)}, not ${describeSetting(plan.setting)}`);
  }
  const { isLogging } = await trailActivity(ctx.clients, finding.accountId, trail);
  return `CloudTrail reports trail ${trail.name} with ${describeSetting(now)}${isLogging ? ', logging' : ' (the trail is not logging)'}`;
};

export const remediateTrailSetting = (finding: FindingRef, parameters: Record<string, unknown>, ctx: ControlContext): Promise<ChangeRecord> => {
  const plan = trailSettingPlanOf(parameters);
  return applyTrailSetting(finding, plan, ctx, plan.observed);
};

export const rollbackTrailSetting = (finding: FindingRef, change: ChangeRecord, ctx: ControlContext): Promise<ChangeRecord> =>
  applyTrailSetting(finding, trailSettingPlanOf(change.before), ctx, trailSettingPlanOf(change.after).setting);
