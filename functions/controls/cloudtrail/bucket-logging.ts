import { GetBucketLoggingCommand, PutBucketLoggingCommand, S3Client, type LoggingEnabled } from '@aws-sdk/client-s3';
import { InvalidInputError, RemediationError, ResourceNotFoundError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord, Evidence, FindingRef } from '../../findings/types';
import { loggingPlanOf, loggingSideOf, type CloudTrailChange, type CloudTrailSteps, type LoggingPlan, type LoggingTarget } from './schemas';
import { sameJson, startingPoint } from '../shared/retries';
import { trailsSeenIn } from '../shared/trails';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

/** The bucket a CloudTrail.7 finding names: "arn:aws:s3:::name" or the bare name. */
export const bucketOf = (finding: FindingRef): string => {
  const name = finding.resource.canonicalId.replace(/^arn:aws[\w-]*:s3:::/, '');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new InvalidInputError(`Resource ${finding.resource.id} is not an S3 bucket`);
  return name;
};

const loggingOf = async (s3: S3Client, bucket: string): Promise<LoggingTarget | null> => {
  try {
    const enabled: LoggingEnabled | undefined = (await s3.send(new GetBucketLoggingCommand({ Bucket: bucket }))).LoggingEnabled;
    return enabled?.TargetBucket ? { targetBucket: enabled.TargetBucket, targetPrefix: enabled.TargetPrefix ?? '' } : null;
  } catch (error) {
    if ((error as Error).name === 'NoSuchBucket') throw new ResourceNotFoundError(`Bucket ${bucket} does not exist`, { cause: error });
    throw error;
  }
};

const describeLogging = (bucket: string, logging: LoggingTarget | null): string =>
  logging
    ? `bucket ${bucket} logs access to s3://${logging.targetBucket}/${logging.targetPrefix}`
    : `bucket ${bucket} has no server access logging`;

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<LoggingPlan>> {
  const bucket = bucketOf(finding);
  const s3 = ctx.clients.at(S3Client, targetOf(finding));
  const trails = (await trailsSeenIn(ctx.clients, finding.accountId, finding.resource.region)).filter((t) => t.bucket === bucket);
  const evidence: Evidence[] = [
    {
      fact:
        trails.length > 0
          ? `Bucket ${bucket} receives the logs of trail(s) ${trails.map((t) => t.name).join(', ')}.`
          : `No trail seen in ${finding.resource.region} delivers to ${bucket}.`,
      source: 'cloudtrail:DescribeTrails',
    },
  ];
  const current = await loggingOf(s3, bucket);
  evidence.push({ fact: `S3 reports that ${describeLogging(bucket, current)}.`, source: 's3:GetBucketLogging' });
  if (current) return { risk: 'low', riskReason: `Bucket ${bucket} already has server access logging`, evidence };

  const target = ctx.config.cloudtrail.accessLogBucket;
  if (!target) {
    return {
      risk: 'low',
      riskReason: 'no access-log bucket is configured: set cloudtrail.accessLogBucket to a bucket that accepts S3 server access logs',
      evidence,
      blocked: true,
    };
  }
  if (target === bucket) {
    return {
      risk: 'low',
      riskReason:
        `cloudtrail.accessLogBucket is the trail bucket ${bucket} itself: logging a bucket into itself loops; configure ` +
        `another bucket`,
      evidence,
      blocked: true,
    };
  }
  try {
    const targetLogging = await loggingOf(s3, target);
    evidence.push({ fact: `Target bucket ${target} exists (${describeLogging(target, targetLogging)}).`, source: 's3:GetBucketLogging' });
  } catch (error) {
    if (!(error instanceof ResourceNotFoundError)) throw error;
    return { risk: 'low', riskReason: `the configured access-log bucket ${target} does not exist`, evidence, blocked: true };
  }
  const logging = { targetBucket: target, targetPrefix: `${bucket}/` };
  return {
    risk: 'low',
    riskReason: `Additive: access logs of ${bucket} start arriving in ${target}; nothing that writes or reads the trail logs changes`,
    evidence,
    plan: {
      summary: `Turn on S3 server access logging for trail bucket ${bucket} into s3://${target}/${bucket}/`,
      steps: [`s3:PutBucketLogging Bucket=${bucket} TargetBucket=${target} TargetPrefix=${bucket}/`],
      reversible: true,
      // observed: the logging this plan replaces, which a retry records as `before` once logging is on (types.ts).
      parameters: { bucket, logging, observed: current },
    },
  };
}

/** Sets the bucket's logging; once it is already as planned, the record starts from `startedFrom` (types.ts, rule 2). */
const setLogging = async (
  finding: FindingRef,
  plan: Omit<LoggingPlan, 'observed'>,
  ctx: ControlContext,
  startedFrom: LoggingTarget | null | undefined,
): Promise<ChangeRecord<CloudTrailChange>> => {
  const s3 = ctx.clients.at(S3Client, targetOf(finding));
  const live = await loggingOf(s3, plan.bucket);
  const before = startingPoint(live, plan.logging, startedFrom);
  const unchanged = sameJson(before, plan.logging);
  if (!sameJson(live, plan.logging)) {
    try {
      await s3.send(
        new PutBucketLoggingCommand({
          Bucket: plan.bucket,
          // An empty status turns access logging off: how S3 disables it.
          BucketLoggingStatus: plan.logging
            ? { LoggingEnabled: { TargetBucket: plan.logging.targetBucket, TargetPrefix: plan.logging.targetPrefix } }
            : {},
        }),
      );
    } catch (error) {
      throw new RemediationError(
        `PutBucketLogging on ${plan.bucket} failed (${(error as Error).name}: ${(error as Error).message}); nothing was changed`,
        { cause: error },
      );
    }
  }
  return {
    summary: unchanged
      ? `Access logging of ${plan.bucket} was already as planned`
      : `Changed: ${describeLogging(plan.bucket, plan.logging)} (before: ${describeLogging(plan.bucket, before)})`,
    before: { bucket: plan.bucket, logging: before },
    after: { bucket: plan.bucket, logging: plan.logging },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};

/** CloudTrail.7 / CIS 2.6, 3.6, 3.4: S3 server access logging on the trail bucket. */
export const cloudTrailBucketLogging: CloudTrailSteps = {
  assess,
  remediate: (finding, plan, ctx) => {
    const logging = loggingPlanOf(plan.parameters);
    return setLogging(finding, logging, ctx, logging.observed);
  },
  async verify(finding, change, ctx) {
    const plan = loggingSideOf(change.after);
    const now = await loggingOf(ctx.clients.at(S3Client, targetOf(finding)), plan.bucket);
    if (JSON.stringify(now) !== JSON.stringify(plan.logging)) {
      throw new VerificationFailedError(`S3 reports that ${describeLogging(plan.bucket, now)}`);
    }
    return `S3 reports that ${describeLogging(plan.bucket, now)}`;
  },
  rollback: (finding, change, ctx) => setLogging(finding, loggingSideOf(change.before), ctx, loggingSideOf(change.after).logging),
};
