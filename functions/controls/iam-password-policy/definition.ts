import { CloudTrailClient, LookupEventsCommand, type Event as TrailEvent } from '@aws-sdk/client-cloudtrail';
import {
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  IAMClient,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import * as z from 'zod';
import { partitionOf } from '../../platform/clients';
import { InvalidInputError, RemediationError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import { defineControl } from '../define-control';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

const DAY_MS = 86_400_000;

/** The full policy as UpdateAccountPasswordPolicy takes it (the call is not a partial update). */
const policySchema = z.object({
  MinimumPasswordLength: z.number(),
  RequireUppercaseCharacters: z.boolean(),
  RequireLowercaseCharacters: z.boolean(),
  RequireSymbols: z.boolean(),
  RequireNumbers: z.boolean(),
  AllowUsersToChangePassword: z.boolean(),
  PasswordReusePrevention: z.number().optional(),
  MaxPasswordAge: z.number().optional(),
  HardExpiry: z.boolean().optional(),
});
export type PolicySettings = z.infer<typeof policySchema>;

/** The policy to merge in; `observed` (absent in plans made before it existed): the policy it replaces, null for none. */
const planSchema = z.object({ accountId: z.string(), policy: policySchema, observed: policySchema.nullable().optional() });
type PolicyPlan = z.infer<typeof planSchema>;

/** Each side of a change record: the account's policy, null when it has none. */
const changeSchema = z.object({ policy: policySchema.nullable() });
type PolicyChange = z.infer<typeof changeSchema>;

/** What hubfix brings every policy up to: CIS 1.5–1.10 (v1.2.0), 1.8–1.9 (v1.4.0, v3.0.0), IAM.7. */
export const BASELINE = {
  MinimumPasswordLength: 14,
  RequireUppercaseCharacters: true,
  RequireLowercaseCharacters: true,
  RequireSymbols: true,
  RequireNumbers: true,
  PasswordReusePrevention: 24,
} as const;

type Requirement = (policy: PolicySettings) => boolean;

/** Each control's pass condition, as its AWS Config rule (iam-password-policy) checks it with Security Hub's parameters. */
const REQUIREMENTS: Readonly<Record<string, { rule: string; passes: Requirement }>> = {
  'IAM.7': {
    rule: 'upper- and lowercase letters, numbers and symbols required, minimum length 8',
    passes: (p) =>
      p.RequireUppercaseCharacters && p.RequireLowercaseCharacters && p.RequireNumbers && p.RequireSymbols && p.MinimumPasswordLength >= 8,
  },
  'IAM.11': { rule: 'at least one uppercase letter', passes: (p) => p.RequireUppercaseCharacters },
  'IAM.12': { rule: 'at least one lowercase letter', passes: (p) => p.RequireLowercaseCharacters },
  'IAM.13': { rule: 'at least one symbol', passes: (p) => p.RequireSymbols },
  'IAM.14': { rule: 'at least one number', passes: (p) => p.RequireNumbers },
  'IAM.15': { rule: 'minimum length 14 or more', passes: (p) => p.MinimumPasswordLength >= 14 },
  'IAM.16': { rule: 'the last 24 passwords may not be reused', passes: (p) => (p.PasswordReusePrevention ?? 0) >= 24 },
};

const requirementOf = (controlId: string) => {
  const requirement = REQUIREMENTS[controlId];
  if (!requirement) throw new InvalidInputError(`The password-policy control does not serve ${controlId}`);
  return requirement;
};

const NO_POLICY = 'no custom policy (AWS default rules; reads as NoSuchEntity)';

/** The account's policy, or null when none is set (NoSuchEntity): AWS then applies its default rules, which fail every control. */
const readPolicy = async (iam: IAMClient): Promise<PolicySettings | null> => {
  try {
    const { PasswordPolicy: p } = await iam.send(new GetAccountPasswordPolicyCommand({}));
    if (!p) return null;
    return {
      MinimumPasswordLength: p.MinimumPasswordLength ?? 6,
      RequireUppercaseCharacters: p.RequireUppercaseCharacters ?? false,
      RequireLowercaseCharacters: p.RequireLowercaseCharacters ?? false,
      RequireSymbols: p.RequireSymbols ?? false,
      RequireNumbers: p.RequireNumbers ?? false,
      AllowUsersToChangePassword: p.AllowUsersToChangePassword ?? false,
      ...(p.PasswordReusePrevention ? { PasswordReusePrevention: p.PasswordReusePrevention } : {}),
      ...(p.MaxPasswordAge ? { MaxPasswordAge: p.MaxPasswordAge } : {}),
      ...(p.HardExpiry !== undefined ? { HardExpiry: p.HardExpiry } : {}),
    };
  } catch (error) {
    if ((error as Error).name === 'NoSuchEntityException') return null;
    throw error;
  }
};

const reuse = (count: number): Pick<PolicySettings, 'PasswordReusePrevention'> => (count > 0 ? { PasswordReusePrevention: count } : {});

/**
 * The stricter of the current policy and `required`, setting by setting: never loosens a setting that is
 * already stricter (a length of 20 stays 20). Expiry (MaxPasswordAge, HardExpiry) and AllowUsersToChangePassword
 * are kept exactly as they are: hubfix never turns expiry on (see EXPIRY_NOTE).
 */
export const mergeStricter = (current: PolicySettings | null, required: typeof BASELINE | PolicySettings): PolicySettings => ({
  MinimumPasswordLength: Math.max(current?.MinimumPasswordLength ?? 0, required.MinimumPasswordLength),
  RequireUppercaseCharacters: Boolean(current?.RequireUppercaseCharacters) || required.RequireUppercaseCharacters,
  RequireLowercaseCharacters: Boolean(current?.RequireLowercaseCharacters) || required.RequireLowercaseCharacters,
  RequireSymbols: Boolean(current?.RequireSymbols) || required.RequireSymbols,
  RequireNumbers: Boolean(current?.RequireNumbers) || required.RequireNumbers,
  ...reuse(Math.max(current?.PasswordReusePrevention ?? 0, required.PasswordReusePrevention ?? 0)),
  AllowUsersToChangePassword: current?.AllowUsersToChangePassword ?? false,
  ...(current?.MaxPasswordAge ? { MaxPasswordAge: current.MaxPasswordAge } : {}),
  ...(current?.HardExpiry !== undefined ? { HardExpiry: current.HardExpiry } : {}),
});

const SETTINGS: (keyof PolicySettings)[] = [
  'MinimumPasswordLength',
  'RequireUppercaseCharacters',
  'RequireLowercaseCharacters',
  'RequireSymbols',
  'RequireNumbers',
  'PasswordReusePrevention',
  'AllowUsersToChangePassword',
  'MaxPasswordAge',
  'HardExpiry',
];

const shown = (value: unknown): string => (value === undefined ? 'not set' : String(value));

/** ["MinimumPasswordLength 8 → 14", ...]: the settings that differ; with no policy before, every setting as "Name=value". */
const changedSettings = (before: PolicySettings | null, after: PolicySettings): string[] =>
  before
    ? SETTINGS.filter((k) => before[k] !== after[k]).map((k) => `${k} ${shown(before[k])} → ${shown(after[k])}`)
    : SETTINGS.filter((k) => after[k] !== undefined).map((k) => `${k}=${shown(after[k])}`);

/** "MinimumPasswordLength: 8 → 14", or why a setting stays as it is. */
const settingLine = (key: keyof PolicySettings, before: PolicySettings | null, after: PolicySettings): string => {
  const was = before?.[key];
  const will = after[key];
  if (was !== will) return `${key}: ${before ? shown(was) : 'default'} → ${shown(will)}`;
  if (key in BASELINE)
    return `${key}: ${shown(was)} (kept: already at least as strict as ${String(BASELINE[key as keyof typeof BASELINE])})`;
  if (key === 'MaxPasswordAge' || key === 'HardExpiry') return `${key}: ${shown(was)} (kept: hubfix does not turn on password expiry)`;
  return `${key}: ${shown(was)} (kept)`;
};

export const EXPIRY_NOTE =
  'Nobody is asked for a new password now: the stricter rules apply when each IAM user next changes their password. ' +
  'hubfix does not turn on ExpirePasswords (MaxPasswordAge) or HardExpiry: expiry would make every user with an older password ' +
  'change it at the next sign-in, ' +
  'and HardExpiry locks users whose password has expired out of the console until an administrator resets it.';

/** Global-service events (IAM) are recorded in this region of each partition. */
const iamEventRegion = (partition: string): string => ({ 'aws-us-gov': 'us-gov-west-1', 'aws-cn': 'cn-north-1' })[partition] ?? 'us-east-1';

/** Who set IAM users' passwords through the API recently: automation that generates passwords may break under stricter rules. */
const passwordSetters = async (finding: FindingRef, ctx: ControlContext): Promise<TrailEvent[]> => {
  // The partition of the finding's region decides, as for every ARN a control builds (arns.ts), not the Partition it reports.
  const trail = ctx.clients.at(CloudTrailClient, {
    accountId: finding.accountId,
    region: iamEventRegion(partitionOf(finding.resource.region)),
  });
  const now = ctx.now();
  const since = new Date(now.getTime() - ctx.config.thresholds.lookbackDays * DAY_MS);
  const pages = await Promise.all(
    ['CreateLoginProfile', 'UpdateLoginProfile'].map((name) =>
      trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: name }],
          StartTime: since,
          EndTime: now,
          MaxResults: 50,
        }),
      ),
    ),
  );
  const wanted = new Set(['CreateLoginProfile', 'UpdateLoginProfile']);
  return pages.flatMap((page) => page.Events ?? []).filter((e) => wanted.has(e.EventName ?? ''));
};

const userAgentOf = (event: TrailEvent): string => {
  try {
    return (JSON.parse(event.CloudTrailEvent ?? '{}') as { userAgent?: string }).userAgent ?? 'unknown';
  } catch {
    return 'unknown';
  }
};

/** Console sign-in and the IAM console set passwords through a person; anything else is a script or pipeline. */
const isAutomation = (userAgent: string): boolean => !/console\.amazonaws\.com|signin\.amazonaws\.com|AWS Internal/i.test(userAgent);

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<PolicyPlan>> {
  const requirement = requirementOf(finding.controlId);
  const current = await readPolicy(ctx.clients.at(IAMClient, targetOf(finding)));
  const evidence: Evidence[] = [
    {
      fact: `Account ${finding.accountId} password policy: ${
        current ? SETTINGS.map((k) => `${k}=${shown(current[k])}`).join(', ') : NO_POLICY
      }.`,
      source: 'iam:GetAccountPasswordPolicy',
    },
  ];
  if (current && requirement.passes(current)) {
    return { risk: 'low', riskReason: `The password policy already meets ${finding.controlId} (${requirement.rule})`, evidence };
  }

  const merged = mergeStricter(current, BASELINE);
  evidence.push({
    fact: `${finding.controlId} requires ${requirement.rule}; the policy does not meet it.`,
    source: 'iam:GetAccountPasswordPolicy',
  });
  for (const key of SETTINGS) evidence.push({ fact: settingLine(key, current, merged), source: 'iam:GetAccountPasswordPolicy' });
  evidence.push({ fact: EXPIRY_NOTE, source: 'hubfix password-policy rules' });

  const setters = await passwordSetters(finding, ctx);
  const automated = setters.filter((e) => isAutomation(userAgentOf(e)));
  const lookback = ctx.config.thresholds.lookbackDays;
  if (setters.length > 0) {
    const who = [...new Set(setters.map((e) => `${e.EventName} by ${e.Username ?? 'unknown'} (${userAgentOf(e).slice(0, 60)})`))].join(
      '; ',
    );
    evidence.push({
      fact: `${setters.length} password(s) set through the IAM API in the last ${lookback} days: ${who}.`,
      source: 'cloudtrail:LookupEvents',
    });
  } else {
    evidence.push({
      fact: `No CreateLoginProfile or UpdateLoginProfile calls in the last ${lookback} days.`,
      source: 'cloudtrail:LookupEvents',
    });
  }

  const summary = changedSettings(current, merged).join(', ');
  const plan: Plan<PolicyPlan> = {
    summary: current
      ? `Tighten the account password policy of ${finding.accountId}: ${summary} (stricter settings and expiry kept as they are)`
      : `Create the account password policy of ${finding.accountId} (there is none): ${summary} (no expiry)`,
    steps: [
      `iam:UpdateAccountPasswordPolicy ${SETTINGS.filter((k) => merged[k] !== undefined)
        .map((k) => `${k}=${shown(merged[k])}`)
        .join(' ')}`,
    ],
    reversible: true,
    // observed: the policy this plan replaces (null: none), which a retry records as the change's `before` (see types.ts).
    parameters: { accountId: finding.accountId, policy: merged, observed: current },
  };
  if (automated.length > 0) {
    const callers = [...new Set(automated.map((e) => e.Username ?? 'unknown'))].join(', ');
    return {
      risk: 'high',
      riskReason:
        `Automation set IAM passwords in the last ${lookback} days (${callers}); passwords it generates may no longer meet ` +
        `the stricter policy`,
      evidence,
      plan,
    };
  }
  return { risk: 'low', riskReason: 'Only future password changes are affected; no automation sets IAM passwords', evidence, plan };
}

/** The policy a change applied: a record whose `after` has none deleted the policy and applied nothing to check. */
const appliedPolicy = (change: ChangeRecord<PolicyChange>): PolicySettings => {
  if (!change.after.policy) throw new InvalidInputError('The plan does not carry the password policy to apply');
  return change.after.policy;
};

const samePolicy = (a: PolicySettings | null, b: PolicySettings | null): boolean =>
  a === null || b === null ? a === b : SETTINGS.every((k) => a[k] === b[k]);

const writePolicy = async (iam: IAMClient, policy: PolicySettings | null): Promise<void> => {
  if (policy) {
    await iam.send(new UpdateAccountPasswordPolicyCommand(policy));
    return;
  }
  try {
    await iam.send(new DeleteAccountPasswordPolicyCommand({}));
  } catch (error) {
    // No policy left to delete (the SDK resent a delete whose response was lost): already in the target state.
    if ((error as Error).name !== 'NoSuchEntityException') throw error;
  }
};

/**
 * Replaces the policy, recording what was there; `target` null deletes it (the account had none). A policy already as
 * targeted is left alone, and the record starts from `startedFrom` (what the assessment, or the change being undone,
 * saw before the first attempt) when there is one: a retried step returns the record of one clean run.
 */
const replacePolicy = async (
  iam: IAMClient,
  target: (current: PolicySettings | null) => PolicySettings | null,
  now: Date,
  what: string,
  startedFrom: PolicySettings | null | undefined,
): Promise<ChangeRecord<PolicyChange>> => {
  const live = await readPolicy(iam);
  const after = target(live);
  const done = samePolicy(live, after);
  const before = done && startedFrom !== undefined ? startedFrom : live;
  if (!done) {
    try {
      await writePolicy(iam, after);
    } catch (error) {
      throw new RemediationError(`${what} failed (${(error as Error).name}: ${(error as Error).message}); nothing was changed`, {
        cause: error,
      });
    }
  }
  const changed = after ? changedSettings(before, after) : [];
  const created = !before && after ? ' (there was none; created it)' : '';
  return {
    summary: after
      ? `${what}${created}: ${changed.join(', ') || 'no setting changed'}`
      : `${what}: deleted the custom policy (there was none before)`,
    before: { policy: before },
    after: { policy: after },
    changedAt: now.toISOString(),
    reversible: true,
  };
};

export const iamPasswordPolicy = defineControl({
  id: 'iam-password-policy',
  title: 'IAM account password policy: strong and reuse-resistant',
  ids: Object.keys(REQUIREMENTS),
  cisRefs: [
    '1.2.0/1.5',
    '1.2.0/1.6',
    '1.2.0/1.7',
    '1.2.0/1.8',
    '1.2.0/1.9',
    '1.2.0/1.10',
    '1.4.0/1.8',
    '1.4.0/1.9',
    '3.0.0/1.8',
    '3.0.0/1.9',
    '5.0.0/1.7',
    '5.0.0/1.8',
  ],
  resourceTypes: ['AwsAccount'],
  assesses:
    'The account password policy (GetAccountPasswordPolicy, NoSuchEntity = none), and CloudTrail ' +
    'CreateLoginProfile/UpdateLoginProfile calls by automation that may generate passwords the stricter policy rejects',
  changes:
    'Merges stricter settings into the password policy (length ≥ 14, upper/lowercase, numbers, symbols, reuse prevention 24); ' +
    'never loosens a stricter setting, never turns on expiry or HardExpiry',
  reversible: true,
  automation: 'automated',
  defaultMode: 'auto',
  signals: [
    {
      signal: 'The account password policy',
      source: 'iam:GetAccountPasswordPolicy (global)',
      blindSpots: 'Nothing: configuration',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
    {
      signal: 'Automation that sets passwords the stricter policy could reject',
      source: 'cloudtrail:LookupEvents CreateLoginProfile/UpdateLoginProfile over the lookback',
      blindSpots:
        'Other regions\u2019 events (IAM calls are recorded in us-east-1); people who will have to pick a new password at their next ' +
        'change',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
  ],
  planSchema,
  changeSchema,
  permissions: {
    // cloudtrail:LookupEvents: automation that sets IAM passwords (CreateLoginProfile / UpdateLoginProfile).
    assess: ['iam:GetAccountPasswordPolicy', 'cloudtrail:LookupEvents'],
    verify: ['iam:GetAccountPasswordPolicy'],
    remediate: ['iam:GetAccountPasswordPolicy', 'iam:UpdateAccountPasswordPolicy'],
    // Delete: rollback when the account had no policy. An account setting: IAM knows no resource for it.
    rollback: ['iam:GetAccountPasswordPolicy', 'iam:UpdateAccountPasswordPolicy', 'iam:DeleteAccountPasswordPolicy'],
  },
  assess,
  remediate: (finding, plan, ctx) =>
    // Re-merged with what is there now: a setting someone tightened since the assessment stays tightened.
    replacePolicy(
      ctx.clients.at(IAMClient, targetOf(finding)),
      (current) => mergeStricter(current, plan.parameters.policy),
      ctx.now(),
      'Updated the account password policy',
      plan.parameters.observed,
    ),
  async verify(finding, change, ctx) {
    const expected = appliedPolicy(change);
    const current = await readPolicy(ctx.clients.at(IAMClient, targetOf(finding)));
    if (!current) throw new VerificationFailedError(`Account ${finding.accountId} has no password policy`);
    const weaker = SETTINGS.filter((k) => k in BASELINE && mergeStricter(current, expected)[k] !== current[k]);
    if (weaker.length > 0 || !requirementOf(finding.controlId).passes(current)) {
      const applied = weaker.map((k) => `${k}=${shown(current[k])} (applied ${shown(expected[k])})`).join(', ');
      throw new VerificationFailedError(`The password policy is weaker than applied: ${applied || requirementOf(finding.controlId).rule}`);
    }
    return (
      `IAM reports MinimumPasswordLength=${current.MinimumPasswordLength}, upper/lower/numbers/symbols required, ` +
      `PasswordReusePrevention=${shown(current.PasswordReusePrevention)}`
    );
  },
  rollback: (finding, change, ctx) => {
    const iam = ctx.clients.at(IAMClient, targetOf(finding));
    return replacePolicy(iam, () => change.before.policy, ctx.now(), 'Restored the previous account password policy', change.after.policy);
  },
});

export default iamPasswordPolicy;
