import * as z from 'zod';
import { defineModule, SimulatedServiceError } from './service';

const policySchema = z.object({
  minimumPasswordLength: z.number().int().min(6).max(128).default(8),
  requireSymbols: z.boolean().default(false),
  requireNumbers: z.boolean().default(false),
  requireUppercaseCharacters: z.boolean().default(false),
  requireLowercaseCharacters: z.boolean().default(false),
  allowUsersToChangePassword: z.boolean().default(false),
  maxPasswordAge: z.number().int().min(1).max(1095).optional().describe('Absent: passwords never expire'),
  passwordReusePrevention: z.number().int().min(1).max(24).optional().describe('Absent: reuse is not prevented'),
  hardExpiry: z.boolean().optional(),
});

type Policy = z.infer<typeof policySchema>;

/** One account's password policy; undefined = no custom policy (GetAccountPasswordPolicy answers NoSuchEntity). */
interface PasswordPolicyState {
  policy?: Policy;
}

const noPolicy = (accountId: string) =>
  new SimulatedServiceError('NoSuchEntityException', `The Password Policy with domain name ${accountId} cannot be found.`);

/** IAM validates each number against its range and names the field, as the real API does. */
const inRange = (input: Record<string, unknown>, field: string, min: number, max: number): number | undefined => {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SimulatedServiceError(
      'ValidationError',
      `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must be between ` +
        `${min} and ${max}`,
    );
  }
  return value;
};

/** UpdateAccountPasswordPolicy is not a partial update: every field it is not given goes back to its default. */
const policyFrom = (input: Record<string, unknown>): Policy => ({
  minimumPasswordLength: inRange(input, 'MinimumPasswordLength', 6, 128) ?? 6,
  requireSymbols: input.RequireSymbols === true,
  requireNumbers: input.RequireNumbers === true,
  requireUppercaseCharacters: input.RequireUppercaseCharacters === true,
  requireLowercaseCharacters: input.RequireLowercaseCharacters === true,
  allowUsersToChangePassword: input.AllowUsersToChangePassword === true,
  maxPasswordAge: inRange(input, 'MaxPasswordAge', 1, 1095),
  passwordReusePrevention: inRange(input, 'PasswordReusePrevention', 1, 24),
  hardExpiry: typeof input.HardExpiry === 'boolean' ? input.HardExpiry : undefined,
});

/** The account password policy of IAM (global: every region sees the same policy). */
export const passwordPolicyModule = defineModule({
  key: 'passwordPolicy',
  clientName: 'IAMClient',
  fixture: policySchema.nullable().default(null).describe('The account password policy; null: none set (AWS default rules apply)'),
  load: (fixture): PasswordPolicyState => ({ policy: fixture ? { ...fixture } : undefined }),
  commands: (state) => ({
    GetAccountPasswordPolicy: (_input, ctx) => {
      const policy = state(ctx.accountId).policy;
      if (!policy) throw noPolicy(ctx.accountId);
      return {
        PasswordPolicy: {
          MinimumPasswordLength: policy.minimumPasswordLength,
          RequireSymbols: policy.requireSymbols,
          RequireNumbers: policy.requireNumbers,
          RequireUppercaseCharacters: policy.requireUppercaseCharacters,
          RequireLowercaseCharacters: policy.requireLowercaseCharacters,
          AllowUsersToChangePassword: policy.allowUsersToChangePassword,
          ExpirePasswords: policy.maxPasswordAge !== undefined,
          ...(policy.maxPasswordAge !== undefined ? { MaxPasswordAge: policy.maxPasswordAge } : {}),
          ...(policy.passwordReusePrevention !== undefined ? { PasswordReusePrevention: policy.passwordReusePrevention } : {}),
          ...(policy.hardExpiry !== undefined ? { HardExpiry: policy.hardExpiry } : {}),
        },
      };
    },
    UpdateAccountPasswordPolicy: (input, ctx) => {
      state(ctx.accountId).policy = policyFrom(input);
      return {};
    },
    DeleteAccountPasswordPolicy: (_input, ctx) => {
      const account = state(ctx.accountId);
      if (!account.policy) throw noPolicy(ctx.accountId);
      account.policy = undefined;
      return {};
    },
  }),
  // No policy snapshots as {}: a real policy always has a minimum length.
  snapshot: (account) => ({ ...account.policy }),
});
