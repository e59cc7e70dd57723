import * as z from 'zod';
import { arnPrefix } from './partitions';
import { defineModule, SimulatedServiceError, type SimContext } from './service';

const key = z.object({
  keyId: z.string().regex(/^[0-9a-f-]{36}$|^mrk-[0-9a-f]{32}$/, 'a key id such as 1234abcd-12ab-34cd-56ef-1234567890ab'),
  region: z.string().default('us-east-1'),
  aliases: z.array(z.string().regex(/^alias\/[\w/.-]+$/, 'an alias such as alias/cloudtrail')).default([]),
  description: z.string().default(''),
  policy: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .optional()
    .describe('The key policy (JSON text or object); absent: the default policy, which trusts only the account root'),
  keySpec: z
    .enum(['SYMMETRIC_DEFAULT', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'HMAC_256'])
    .default('SYMMETRIC_DEFAULT'),
  keyManager: z.enum(['CUSTOMER', 'AWS']).default('CUSTOMER'),
  origin: z
    .enum(['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'])
    .default('AWS_KMS')
    .describe('EXTERNAL: imported key material'),
  keyState: z.enum(['Enabled', 'Disabled', 'PendingDeletion']).default('Enabled'),
  rotationEnabled: z.boolean().default(false),
});

export interface KmsKeyState {
  keyId: string;
  region: string;
  aliases: string[];
  description: string;
  /** JSON text; undefined: the default key policy of the owning account. */
  policy?: string;
  keySpec: string;
  keyManager: 'CUSTOMER' | 'AWS';
  origin: string;
  keyState: 'Enabled' | 'Disabled' | 'PendingDeletion';
  rotationEnabled: boolean;
}

export const keyArnOf = (k: KmsKeyState, accountId: string): string => `${arnPrefix(k.region)}kms:${k.region}:${accountId}:key/${k.keyId}`;
const aliasArnOf = (k: KmsKeyState, accountId: string, alias: string): string =>
  `${arnPrefix(k.region)}kms:${k.region}:${accountId}:${alias}`;

/** The policy KMS gives a key created without one: the account root may do everything, nobody else anything. */
const defaultPolicy = (accountId: string, region: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `${arnPrefix(region)}iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });

/**
 * The key a KeyId names, as KMS resolves it: key id, key ARN, alias name or alias ARN, in the caller's
 * region. Exported so other KMS commands (rotation) resolve keys the same way.
 */
export const resolveKey = (keys: KmsKeyState[], ctx: SimContext, keyId: unknown): KmsKeyState => {
  const id = String(keyId);
  const found = keys.find(
    (k) =>
      k.region === ctx.region &&
      (k.keyId === id || keyArnOf(k, ctx.accountId) === id || k.aliases.some((a) => a === id || aliasArnOf(k, ctx.accountId, a) === id)),
  );
  if (!found) throw new SimulatedServiceError('NotFoundException', `Key '${id}' does not exist`);
  return found;
};

/** KMS keys with their aliases and key policies (per region). */
export const kmsModule = defineModule({
  key: 'kms',
  clientName: 'KMSClient',
  fixture: z.object({ keys: z.array(key).default([]) }).prefault({}),
  load: (fixture): KmsKeyState[] =>
    fixture.keys.map((k) => ({
      ...k,
      aliases: [...k.aliases],
      policy: k.policy === undefined || typeof k.policy === 'string' ? k.policy : JSON.stringify(k.policy),
    })),
  commands: (state) => ({
    ListAliases: (input, ctx) => {
      const keys = state(ctx.accountId).filter((k) => k.region === ctx.region);
      const only = input.KeyId ? resolveKey(keys, ctx, input.KeyId) : undefined;
      return {
        Aliases: keys
          .filter((k) => !only || k === only)
          .flatMap((k) => k.aliases.map((a) => ({ AliasName: a, AliasArn: aliasArnOf(k, ctx.accountId, a), TargetKeyId: k.keyId }))),
        Truncated: false,
      };
    },
    ListKeys: (_input, ctx) => ({
      Keys: state(ctx.accountId)
        .filter((k) => k.region === ctx.region)
        .map((k) => ({ KeyId: k.keyId, KeyArn: keyArnOf(k, ctx.accountId) })),
      Truncated: false,
    }),
    DescribeKey: (input, ctx) => {
      const k = resolveKey(state(ctx.accountId), ctx, input.KeyId);
      return {
        KeyMetadata: {
          AWSAccountId: ctx.accountId,
          KeyId: k.keyId,
          Arn: keyArnOf(k, ctx.accountId),
          Description: k.description,
          Enabled: k.keyState === 'Enabled',
          KeyState: k.keyState,
          KeyManager: k.keyManager,
          KeySpec: k.keySpec,
          KeyUsage: k.keySpec.startsWith('HMAC') ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT',
          Origin: k.origin,
          MultiRegion: k.keyId.startsWith('mrk-'),
        },
      };
    },
    GetKeyPolicy: (input, ctx) => {
      const k = resolveKey(state(ctx.accountId), ctx, input.KeyId);
      const policyName = (input.PolicyName as string | undefined) ?? 'default';
      if (policyName !== 'default') throw new SimulatedServiceError('NotFoundException', `Policy ${policyName} does not exist`);
      return { Policy: k.policy ?? defaultPolicy(ctx.accountId, k.region), PolicyName: 'default' };
    },
    GetKeyRotationStatus: (input, ctx) => {
      const k = resolveKey(state(ctx.accountId), ctx, input.KeyId);
      refuseRotation(k, 'GetKeyRotationStatus');
      // AWS managed keys rotate every year; a key pending deletion reports false (KMS does not rotate it).
      const enabled = k.keyManager === 'AWS' || (k.rotationEnabled && k.keyState !== 'PendingDeletion');
      return { KeyId: keyArnOf(k, ctx.accountId), KeyRotationEnabled: enabled, ...(enabled ? { RotationPeriodInDays: 365 } : {}) };
    },
    EnableKeyRotation: (input, ctx) => {
      const k = changeableKey(resolveKey(state(ctx.accountId), ctx, input.KeyId), ctx, 'EnableKeyRotation');
      const days = Number(input.RotationPeriodInDays ?? 365);
      if (!Number.isInteger(days) || days < 90 || days > 2560)
        throw new SimulatedServiceError('ValidationException', 'RotationPeriodInDays must be between 90 and 2560');
      k.rotationEnabled = true;
      return {};
    },
    DisableKeyRotation: (input, ctx) => {
      changeableKey(resolveKey(state(ctx.accountId), ctx, input.KeyId), ctx, 'DisableKeyRotation').rotationEnabled = false;
      return {};
    },
  }),
  snapshot: (keys) => Object.fromEntries(keys.map((k) => [`key/${k.keyId}`, `rotation ${k.rotationEnabled ? 'on' : 'off'}`])),
});

/** Automatic rotation exists only for symmetric encryption keys with KMS-generated material (UnsupportedOperationException otherwise). */
const refuseRotation = (k: KmsKeyState, operation: string): void => {
  if (k.keySpec !== 'SYMMETRIC_DEFAULT' || k.origin !== 'AWS_KMS') {
    throw new SimulatedServiceError(
      'UnsupportedOperationException',
      `${k.keyId} does not support ${operation}: automatic rotation needs a symmetric key with AWS_KMS key material (this key is ` +
        `${k.keySpec}, origin ${k.origin})`,
    );
  }
};

/** The key-state rules of EnableKeyRotation / DisableKeyRotation. */
const changeableKey = (k: KmsKeyState, ctx: SimContext, operation: string): KmsKeyState => {
  if (k.keyManager === 'AWS')
    throw new SimulatedServiceError(
      'AccessDeniedException',
      `User is not authorized to perform kms:${operation} on the AWS managed key ${keyArnOf(k, ctx.accountId)}`,
    );
  refuseRotation(k, operation);
  if (k.keyState === 'Disabled') throw new SimulatedServiceError('DisabledException', `${keyArnOf(k, ctx.accountId)} is disabled.`);
  if (k.keyState === 'PendingDeletion')
    throw new SimulatedServiceError('KMSInvalidStateException', `${keyArnOf(k, ctx.accountId)} is pending deletion.`);
  return k;
};
