import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import type { Evidence, FindingRef } from '../../findings/types';
import { describeTrail, foreignTrail, remediateTrailSetting, rollbackTrailSetting, settingPlan, verifyTrailSetting } from './settings';
import type { CloudTrailSteps, TrailSettingPlan } from './schemas';
import { cloudTrailKeyAccess, decryptingPrincipals } from './kms-key-policy';
import { trailOfFinding, type TrailFacts } from '../shared/trails';
import type { ControlAssessment, ControlContext } from '../types';

interface KeyCheck {
  arn: string;
  label: string;
  usable: boolean;
  why: string;
  decryptors: string[];
}

/** Checks one key: enabled, customer managed, symmetric, and a policy that lets CloudTrail encrypt this trail's logs. */
const checkKey = async (kms: KMSClient, keyId: string, label: string, trail: TrailFacts): Promise<KeyCheck> => {
  try {
    const meta = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    const arn = meta?.Arn ?? keyId;
    const unusable = (why: string): KeyCheck => ({ arn, label, usable: false, why, decryptors: [] });
    if (meta?.KeyState !== 'Enabled') return unusable(`it is ${meta?.KeyState ?? 'in an unknown state'}`);
    if (meta.KeyManager !== 'CUSTOMER') return unusable('it is an AWS managed key');
    if (meta.KeySpec !== 'SYMMETRIC_DEFAULT') return unusable(`it is a ${meta.KeySpec} key, CloudTrail needs SYMMETRIC_DEFAULT`);
    const policy = (await kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' }))).Policy ?? '{}';
    const access = cloudTrailKeyAccess(policy, trail.arn);
    return { arn, label, usable: access.allowed, why: access.why, decryptors: decryptingPrincipals(policy) };
  } catch (error) {
    return { arn: keyId, label, usable: false, why: `it cannot be read (${(error as Error).name})`, decryptors: [] };
  }
};

/** The configured key, or every customer key with an alias in the trail's home region (KMS keys are regional). */
const candidateKeys = async (kms: KMSClient, ctx: ControlContext): Promise<{ keyId: string; label: string }[]> => {
  const configured = ctx.config.cloudtrail.kmsKeyArn;
  if (configured) return [{ keyId: configured, label: `${configured} (cloudtrail.kmsKeyArn in the hubfix configuration)` }];
  const aliases = (await kms.send(new ListAliasesCommand({}))).Aliases ?? [];
  const byKey = new Map<string, string[]>();
  for (const alias of aliases) {
    if (!alias.TargetKeyId || alias.AliasName?.startsWith('alias/aws/')) continue;
    byKey.set(alias.TargetKeyId, [...(byKey.get(alias.TargetKeyId) ?? []), alias.AliasName as string]);
  }
  return [...byKey].map(([keyId, names]) => ({ keyId, label: names.join(', ') }));
};

/** Among several usable keys, one whose alias says it is for CloudTrail, else the first by alias. */
const preferred = (usable: KeyCheck[]): KeyCheck =>
  usable.find((k) => /cloudtrail/i.test(k.label)) ?? [...usable].sort((a, b) => a.label.localeCompare(b.label))[0];

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<TrailSettingPlan>> {
  const trail = await trailOfFinding(ctx.clients, finding);
  const evidence: Evidence[] = [describeTrail(trail)];
  if (trail.kmsKeyId) return { risk: 'low', riskReason: `Trail ${trail.name} already encrypts with ${trail.kmsKeyId}`, evidence };
  const foreign = foreignTrail(trail, finding, evidence);
  if (foreign) return foreign;

  const kms = ctx.clients.at(KMSClient, { accountId: finding.accountId, region: trail.homeRegion });
  const checks = await Promise.all((await candidateKeys(kms, ctx)).map((c) => checkKey(kms, c.keyId, c.label, trail)));
  for (const check of checks) {
    evidence.push({
      fact: `KMS key ${check.label}: ${check.usable ? 'usable' : 'not usable'}, ${check.why}.`,
      source: 'kms:DescribeKey, kms:GetKeyPolicy',
    });
  }
  const usable = checks.filter((c) => c.usable);
  if (usable.length === 0) {
    const looked = ctx.config.cloudtrail.kmsKeyArn
      ? 'the configured key'
      : `${checks.length} customer managed key(s) with an alias in ${trail.homeRegion}`;
    return {
      risk: 'high',
      riskReason:
        `no KMS key lets CloudTrail encrypt ${trail.name} (checked ${looked}): create one with the CloudTrail key policy ` +
        `and set cloudtrail.kmsKeyArn`,
      evidence,
      blocked: true,
    };
  }
  const key = preferred(usable);
  evidence.push({
    fact:
      `After the change, whoever reads new log files of ${trail.name} needs kms:Decrypt on ${key.arn}; its policy grants Decrypt to ` +
      `${key.decryptors.length > 0 ? key.decryptors.join(', ') : 'nobody but the account root (IAM policies decide)'}. Files already ` +
      `delivered stay SSE-S3.`,
    source: 'kms:GetKeyPolicy',
  });
  const plan = settingPlan(trail, { kmsKeyId: key.arn }, `Encrypt the log files of trail ${trail.name} with KMS key ${key.label}`);
  if (usable.length > 1) {
    return {
      risk: 'high',
      riskReason:
        `${usable.length} keys could encrypt ${trail.name}; the plan picks ${key.label}: confirm the choice (or pin ` +
        `another with cloudtrail.kmsKeyArn)`,
      evidence,
      plan,
    };
  }
  // Who reads the log files (a SIEM, Athena, a log pipeline) is not in any signal hubfix reads: a reader without
  // kms:Decrypt stops getting new logs, so the blast radius is unknown and a person decides.
  evidence.push({
    fact:
      `Who reads the log files of ${trail.name} (SIEM, Athena, log pipelines) is not read: a reader without kms:Decrypt on ` +
      `${key.label} would lose new logs.`,
    source: 'not read: S3 data events on the trail bucket',
    unseen: true,
  });
  return {
    risk: 'unknown',
    riskReason: `Key ${key.label} lets CloudTrail encrypt ${trail.name}, but whether every log reader has kms:Decrypt on it is not seen`,
    evidence,
    plan,
  };
}

/** CloudTrail.2 / CIS 2.7, 3.7, 3.5: trail log files encrypted with SSE-KMS. */
export const cloudTrailEncryption: CloudTrailSteps = {
  assess,
  remediate: remediateTrailSetting,
  verify: verifyTrailSetting,
  rollback: rollbackTrailSetting,
};
