import {
  DescribeKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import * as z from 'zod';
import { InvalidInputError, RemediationError, ResourceNotFoundError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord, Evidence, FindingRef } from '../../findings/types';
import { defineControl } from '../define-control';
import { ownAccount } from '../grants';
import { startingPoint } from '../shared/retries';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

/** The key whose rotation a plan turns on, and (plans made since retries were made safe) whether it was on. */
const planSchema = z.object({ keyArn: z.string(), observed: z.object({ rotationEnabled: z.boolean().optional() }).optional() });
type RotationPlan = z.infer<typeof planSchema>;

const changeSchema = z.object({ keyArn: z.string(), rotationEnabled: z.boolean() });
type RotationChange = z.infer<typeof changeSchema>;

/** The key a finding names: its ARN or id (an AwsKmsKey resource id is the key ARN). */
export const keyIdOf = (finding: FindingRef): string => {
  const details = finding.resource.details?.AwsKmsKey as { KeyId?: string } | undefined;
  const id = /^arn:aws[\w-]*:kms:[\w-]+:\d{12}:key\/[\w-]+$/.test(finding.resource.canonicalId)
    ? finding.resource.canonicalId
    : details?.KeyId;
  if (!id) throw new InvalidInputError(`Resource ${finding.resource.id} is not a KMS key ARN`);
  return id;
};

/** Why KMS cannot rotate this key automatically, or undefined when it can. */
const cannotRotate = (key: KeyMetadata): string | undefined => {
  if (key.KeyManager === 'AWS') return 'it is an AWS managed key: AWS rotates it every year and its rotation cannot be configured';
  if (key.KeySpec !== 'SYMMETRIC_DEFAULT') {
    const kind = key.KeySpec?.startsWith('HMAC') ? 'an HMAC key' : 'an asymmetric key';
    return `it is ${kind} (${key.KeySpec}): KMS rotates only symmetric encryption keys; rotate by creating a new key and moving its users`;
  }
  if (key.Origin === 'EXTERNAL')
    return (
      'its key material is imported: KMS cannot rotate it automatically; import new material into a new key (or rotate on ' +
      'demand) instead'
    );
  if (key.Origin !== 'AWS_KMS') return `it lives in a custom key store (${key.Origin}), where automatic rotation is not supported`;
  if (key.KeyState === 'PendingDeletion' || key.KeyState === 'PendingReplicaDeletion') return 'it is scheduled for deletion';
  return undefined;
};

const describeKey = async (kms: KMSClient, keyId: string): Promise<KeyMetadata> => {
  try {
    const metadata = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    if (metadata) return metadata;
  } catch (error) {
    if ((error as Error).name !== 'NotFoundException') throw error;
  }
  throw new ResourceNotFoundError(`KMS key ${keyId} no longer exists`);
};

const rotationEnabled = async (kms: KMSClient, keyId: string): Promise<boolean> =>
  (await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled === true;

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<RotationPlan>> {
  const kms = ctx.clients.at(KMSClient, targetOf(finding));
  const keyId = keyIdOf(finding);
  const key = await describeKey(kms, keyId);
  const evidence: Evidence[] = [
    {
      fact:
        `Key ${key.KeyId} is ${key.KeyManager === 'AWS' ? 'AWS managed' : 'customer managed'}, ${key.KeySpec}, origin ` +
        `${key.Origin}, ${key.KeyState}.`,
      source: 'kms:DescribeKey',
    },
  ];
  const why = cannotRotate(key);
  if (why) return { risk: 'low', riskReason: `Key ${key.KeyId} cannot have automatic rotation: ${why}`, evidence, notApplicable: true };

  const enabled = await rotationEnabled(kms, keyId);
  evidence.push({ fact: `Automatic rotation of ${key.KeyId} is ${enabled ? 'on' : 'off'}.`, source: 'kms:GetKeyRotationStatus' });
  if (enabled) return { risk: 'low', riskReason: `Key ${key.KeyId} already rotates automatically`, evidence };
  if (key.KeyState === 'Disabled') {
    return {
      risk: 'low',
      riskReason: `Key ${key.KeyId} is disabled: KMS refuses to turn rotation on until someone enables the key (or schedules its deletion)`,
      evidence,
      blocked: true,
    };
  }

  evidence.push({
    fact:
      'Rotation keeps every earlier key material: data encrypted before still decrypts, and the key id, ARN, aliases and policy ' +
      'stay the same, so no caller changes.',
    source: 'kms:EnableKeyRotation (AWS documentation)',
  });
  return {
    risk: 'low',
    riskReason: `Rotation is transparent to the users of ${key.KeyId}`,
    evidence,
    plan: {
      summary: `Turn on automatic yearly rotation of KMS key ${key.KeyId}`,
      steps: [`kms:EnableKeyRotation KeyId=${key.Arn} (rotation every 365 days)`],
      reversible: true,
      // observed: what the plan replaces; a retry that finds rotation on already records it as `before` (types.ts).
      parameters: { keyArn: key.Arn ?? keyId, observed: { rotationEnabled: enabled } },
    },
  };
}

/**
 * Turns rotation on or off and records what it was; a refused call changed nothing. Rotation already as wanted is
 * recorded as `startedFrom` says it was before the first attempt (types.ts, rule 2).
 */
const setRotation = async (
  finding: FindingRef,
  keyArn: string,
  enable: boolean,
  ctx: ControlContext,
  startedFrom: boolean | undefined,
): Promise<ChangeRecord<RotationChange>> => {
  const kms = ctx.clients.at(KMSClient, targetOf(finding));
  const live = await rotationEnabled(kms, keyArn);
  const before = startingPoint(live, enable, startedFrom);
  const state = enable ? 'on' : 'off';
  if (live !== enable) {
    try {
      await kms.send(enable ? new EnableKeyRotationCommand({ KeyId: keyArn }) : new DisableKeyRotationCommand({ KeyId: keyArn }));
    } catch (error) {
      throw new RemediationError(
        `Turning rotation ${state} for ${keyArn} failed (${(error as Error).name}: ${(error as Error).message}); nothing was changed`,
        { cause: error },
      );
    }
  }
  return {
    summary: before === enable ? `Rotation of ${keyArn} was already ${state}` : `Turned automatic rotation ${state} for KMS key ${keyArn}`,
    before: { keyArn, rotationEnabled: before },
    after: { keyArn, rotationEnabled: enable },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};

export const kmsKeyRotation = defineControl({
  id: 'kms-key-rotation',
  title: 'KMS customer managed keys rotate',
  ids: ['KMS.4'],
  cisRefs: ['1.2.0/2.8', '1.4.0/3.8', '3.0.0/3.6', '5.0.0/3.6'],
  resourceTypes: ['AwsKmsKey'],
  assesses: 'DescribeKey (manager, key spec, origin, state: keys that cannot rotate are reported, not changed) and GetKeyRotationStatus',
  changes: 'Turns on automatic yearly rotation of a customer managed symmetric key (old key material is kept)',
  reversible: true,
  automation: 'automated',
  defaultMode: 'auto',
  signals: [
    {
      signal: 'Whether the key can rotate (manager, spec, origin, state) and its rotation status',
      source: 'kms:DescribeKey, kms:GetKeyRotationStatus in the key\u2019s region',
      blindSpots: 'Nothing about use: rotation keeps old key material, so every caller keeps working',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
  ],
  planSchema,
  changeSchema,
  permissions: {
    // DescribeKey tells the keys that cannot rotate.
    assess: ['kms:DescribeKey', 'kms:GetKeyRotationStatus'],
    verify: ['kms:GetKeyRotationStatus'],
    remediate: ['kms:GetKeyRotationStatus', 'kms:EnableKeyRotation'],
    rollback: [
      'kms:GetKeyRotationStatus',
      'kms:EnableKeyRotation',
      {
        action: 'kms:DisableKeyRotation',
        resources: ownAccount('kms', 'key/*'),
        why: 'the key a finding names, which can be any key: keys of its own account only',
      },
    ],
  },
  assess,
  remediate: (finding, plan, ctx) => setRotation(finding, plan.parameters.keyArn, true, ctx, plan.parameters.observed?.rotationEnabled),
  async verify(finding, change, ctx) {
    const keyArn = change.after.keyArn;
    if (!(await rotationEnabled(ctx.clients.at(KMSClient, targetOf(finding)), keyArn))) {
      throw new VerificationFailedError(`Automatic rotation of ${keyArn} is still off`);
    }
    return `KMS reports automatic rotation on for ${keyArn}`;
  },
  rollback: (finding, { before, after }, ctx) => setRotation(finding, before.keyArn, before.rotationEnabled, ctx, after.rotationEnabled),
});

export default kmsKeyRotation;
