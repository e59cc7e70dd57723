import * as z from 'zod';
import { ConfigurationError } from './errors';

/**
 * hubfix's one configuration file. The CDK app reads it to build the stack (rule patterns, emails,
 * timeouts); the functions receive it as the HUBFIX_CONFIG environment variable; the sandbox loads it
 * as the CDK app does. Every field has a default so an empty file `{}` is a working configuration.
 */
/**
 * What a control does with a finding. `auto`: route by the assessment (low: fix; high or unknown: a person) when an analyst
 * asks AND for imported findings (the Findings Imported rule starts runs). `on-request`: route by the assessment only when an
 * analyst asks (custom action); imported findings start nothing. `approval`: a person decides every change. `plan`: annotate
 * the plan only. `off`: nothing.
 */
export const controlModeSchema = z.enum(['auto', 'on-request', 'approval', 'plan', 'off']);
export type ControlMode = z.infer<typeof controlModeSchema>;

const accountId = z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits');

const secretArn = z.string().regex(/^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/, 'a Secrets Manager secret ARN');
const approverGroups = z.array(z.string().min(1).max(256)).min(1).max(50);

/** Slack: who may approve there is named here (the Slack user id, or the user's verified email), with their groups. */
const slackSchema = z
  .object({
    /** The workspace (T…): interactions from any other team are refused; identities are issued as https://slack.com/<teamId>. */
    teamId: z.string().regex(/^[TE][A-Z0-9]{2,20}$/, 'a Slack team id such as T0123ABCD'),
    /** The channel approval messages are posted to (C… or G…; the app must be a member). */
    channelId: z.string().regex(/^[CGD][A-Z0-9]{2,20}$/, 'a Slack channel id such as C0123ABCD'),
    /** The bot token (xoxb-…) the app posts and updates messages with. */
    botTokenSecretArn: secretArn,
    /** The app's signing secret: every interaction request is checked against it. */
    signingSecretArn: secretArn,
    /** Slack user id → the approver that person is. */
    userMap: z
      .record(
        z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'a Slack user id such as U0123ABCD'),
        z.object({ email: z.email(), name: z.string().min(1).max(100).optional(), groups: approverGroups }).strict(),
      )
      .default({}),
    /** Verified email → groups, for users not in userMap: hubfix reads the email with users.info and needs it confirmed. */
    emailMap: z.record(z.email(), z.object({ groups: approverGroups }).strict()).default({}),
  })
  .strict();

const groupName = z.string().min(1).max(256);
const severityLabel = z.enum(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

/** One narrowing of the approval policy: approvals it matches need one of its groups, and its quorum. */
const approvalRuleSchema = z
  .object({
    /** Security Hub control ids (e.g. "IAM.3"); any control when absent. */
    controlIds: z.array(z.string().min(1)).min(1).optional(),
    /** Accounts of the finding; any account when absent. */
    accountIds: z.array(accountId).min(1).optional(),
    /** Organizational units (ou-...) listed in `organization.accountsByOu`; any when absent. */
    organizationalUnits: z
      .array(z.string().regex(/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/, 'an OU id such as ou-ab12-cd34ef56'))
      .min(1)
      .optional(),
    /** Finding severity labels; any when absent. */
    severities: z.array(severityLabel).min(1).optional(),
    /** Only plans the assessment rated high-risk. */
    highRiskOnly: z.boolean().default(false),
    approverGroups: z.array(groupName).min(1),
    quorum: z.number().int().min(1).max(5).default(1),
  })
  .strict();

/** How a federated identity provider's assertion or ID token maps to the approver: the attribute holding each value. */
const federatedAttributes = z
  .object({
    /** The provider's attribute holding the person's email (SAML: often the NameID's email or a `…/emailaddress` claim). */
    email: z.string().min(1).max(512).default('email'),
    /** The provider's attribute listing the person's groups; Cognito keeps it in the custom attribute `custom:groups`. */
    groups: z.string().min(1).max(512).default('groups'),
  })
  .strict()
  .prefault({});

const providerName = z
  .string()
  .regex(/^[\w.-]{3,32}$/, 'a provider name: 3 to 32 letters, digits, dots, hyphens or underscores')
  .refine((name) => !['Cognito', 'COGNITO', 'Facebook', 'Google', 'LoginWithAmazon', 'SignInWithApple'].includes(name), {
    message: 'a name Cognito reserves for its own providers',
  });

/**
 * An identity provider the stack's Cognito user pool federates: IAM Identity Center, Okta or Entra ID by SAML (their
 * metadata URL), or any by OpenID Connect (issuer, client id, and the client secret in Secrets Manager).
 */
const federatedProviderSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('saml'),
      name: providerName,
      metadataUrl: z.url({ protocol: /^https$/ }),
      attributes: federatedAttributes,
    })
    .strict(),
  z
    .object({
      type: z.literal('oidc'),
      name: providerName,
      issuer: z.url({ protocol: /^https$/ }),
      clientId: z.string().min(1),
      /** Secrets Manager secret (name or ARN) holding the client secret: resolved by CloudFormation, never in the template. */
      clientSecretId: z.string().min(1),
      attributes: federatedAttributes,
    })
    .strict(),
]);
export type FederatedProvider = z.infer<typeof federatedProviderSchema>;

export const configSchema = z
  .object({
    approvers: z
      .object({
        emails: z.array(z.email()).default([]),
      })
      .prefault({}),
    approval: z
      .object({
        /** How long the workflow waits for a decision before it gives up and annotates the finding. */
        timeoutHours: z
          .number()
          .positive()
          .max(24 * 7, 'at most 7 days: the execution itself times out after 8')
          .default(24),
        /** How long an approval link stays valid; never longer than the wait itself. */
        linkLifetimeHours: z
          .number()
          .positive()
          .max(24 * 7)
          .default(24),
      })
      .prefault({})
      .refine((a) => a.linkLifetimeHours <= a.timeoutHours, {
        message: 'linkLifetimeHours must not exceed timeoutHours (a link must not outlive the wait)',
        path: ['linkLifetimeHours'],
      }),
    production: z
      .object({
        /** Tag keys whose value marks a resource or principal as production (case-insensitive). */
        tagKeys: z.array(z.string().min(1)).default(['environment', 'env', 'stage']),
        tagValues: z.array(z.string().min(1)).default(['production', 'prod', 'prd']),
        accountIds: z.array(accountId).default([]),
      })
      .prefault({}),
    thresholds: z
      .object({
        /** A key unused for longer than this is "unused" (CIS 1.12 uses 45 days). */
        unusedKeyDays: z.number().int().positive().default(45),
        /** How far back CloudTrail and CloudWatch signals are read. */
        lookbackDays: z.number().int().positive().max(90).default(14),
      })
      .prefault({}),
    /** Where usage signals come from beyond CloudTrail event history (which holds management events only). */
    usage: z
      .object({
        /**
         * The data-event source: the S3 prefix an organization (or account) trail that selects data events delivers to, read
         * through the hubfix-inspect role of the account holding the bucket. Unset: data-plane calls (S3 objects, DynamoDB
         * items, SQS messages…) are not visible, and a key in recent use is then of unknown risk.
         */
        dataEventSource: z
          .object({
            type: z.literal('trail-s3'),
            bucket: z.string().min(3),
            /** The trail's S3 key prefix ('' for none). */
            keyPrefix: z.string().default(''),
            /** The account that holds the bucket (the log-archive account). */
            accountId,
            /** The bucket's region. */
            region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'a region such as us-east-1'),
            /** Set for an organization trail: its files are under AWSLogs/<organizationId>/<account>/. */
            organizationId: z
              .string()
              .regex(/^o-[a-z0-9]{10,32}$/, 'an AWS Organizations id such as o-a1b2c3d4e5')
              .optional(),
          })
          .strict()
          .optional(),
        /** Log files read per key and assessment at most (newest first); past it the evidence says the read was capped. */
        maxLogFiles: z.number().int().positive().max(2000).default(200),
      })
      .prefault({}),
    /** Per Security Hub control id (e.g. "IAM.3"): overrides the control's default mode. */
    controls: z.record(z.string().regex(/^[A-Za-z0-9]+\.\d+$/, 'a Security Hub control id such as IAM.3'), controlModeSchema).default({}),
    cloudtrail: z
      .object({
        /** Bucket that receives the S3 server access logs of trail buckets (CloudTrail.7); unset, CloudTrail.7 is blocked. */
        accessLogBucket: z.string().min(3).optional(),
        /** KMS key for trail encryption (CloudTrail.2); unset, hubfix looks for a key whose policy lets CloudTrail use it. */
        kmsKeyArn: z
          .string()
          .regex(/^arn:aws[\w-]*:kms:/, 'a KMS key ARN')
          .optional(),
        /** Bucket (with the CloudTrail bucket policy) for a new trail in an account that has none (CloudTrail.1). */
        trailBucket: z.string().min(3).optional(),
      })
      .prefault({}),
    alarms: z
      .object({
        /** Topic the CIS metric-filter alarms notify (CloudWatch.1-14); unset, those controls are blocked. */
        snsTopicArn: z
          .string()
          .regex(/^arn:aws[\w-]*:sns:/, 'an SNS topic ARN')
          .optional(),
      })
      .prefault({}),
    flowLogs: z
      .object({
        /** The security team's VPC flow-log destinations (log group or S3 bucket ARNs); empty: EC2.6 is blocked. */
        centralDestinations: z
          .array(z.string().regex(/^arn:aws[\w-]*:(logs:[\w-]+:\d{12}:log-group:|s3:::)/, 'a log group or S3 bucket ARN'))
          .default([]),
        /** The role VPC Flow Logs assumes to publish to a log group (not needed for S3 destinations). */
        deliverLogsPermissionArn: z
          .string()
          .regex(/^arn:aws[\w-]*:iam::\d{12}:role\//, 'an IAM role ARN')
          .optional(),
      })
      .prefault({}),
    exemptionTagKey: z.string().min(1).default('hubfix:exempt'),
    /** Resources or accounts a person exempted, with a reason and an end date (a resource tag does the same). */
    exemptions: z
      .array(
        z
          .object({
            accountId: accountId.optional(),
            /** The resource id exactly as findings name it (usually the ARN). */
            resource: z.string().min(1).optional(),
            /** Only these controls; all controls when absent. */
            controlIds: z.array(z.string()).optional(),
            until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD'),
            reason: z.string().min(1),
            by: z.string().min(1),
          })
          .strict()
          .refine((e) => e.accountId !== undefined || e.resource !== undefined, {
            message: 'an exemption names an accountId or a resource',
          }),
      )
      .default([]),
    /** The AWS Organization hubfix acts across: the member stack (infra/member-stack.ts) and the admin stack read it. */
    organization: z
      .object({
        /** Organization id (o-...): the member roles trust hubfix only from this organization (aws:PrincipalOrgID). */
        id: z
          .string()
          .regex(/^o-[a-z0-9]{10,32}$/, 'an AWS Organizations id such as o-a1b2c3d4e5')
          .optional(),
        /** The Security Hub administrator account hubfix is deployed in: the member roles trust its function roles. */
        administratorAccountId: accountId.optional(),
        /** Accounts per organizational unit, for approval rules that name an OU (the approval API reads no Organizations API). */
        accountsByOu: z.record(z.string().regex(/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/), z.array(accountId)).default({}),
      })
      .prefault({}),
    /** Admin-account Security Hub settings for teams starting from nothing; all off: hubfix leaves Security Hub as it finds it. */
    securityHub: z
      .object({
        /** Enable Security Hub (CSPM) in the admin account and region (AWS::SecurityHub::Hub, no default standards). */
        enable: z.boolean().default(false),
        /** Enable the CIS AWS Foundations Benchmark v3.0.0 standard (AWS::SecurityHub::Standard). */
        enableCis30: z.boolean().default(false),
        /** Consolidated control findings (ControlFindingGenerator SECURITY_CONTROL): one finding per check across standards. */
        consolidatedFindings: z.boolean().default(false),
      })
      .prefault({}),
    accounts: z
      .object({
        include: z.array(accountId).default([]),
        exclude: z.array(accountId).default([]),
      })
      .prefault({}),
    /** What hubfix believes: findings of Security Hub's own controls, and only the other products listed here. */
    trust: z
      .object({
        /**
         * Product ARNs of other finding providers hubfix may act on, e.g. "arn:aws:securityhub:*::product/aws/config".
         * "*" stands for the region only. Empty: only Security Hub's own controls (product/aws/securityhub).
         */
        products: z
          .array(z.string().regex(/^arn:aws[\w-]*:securityhub:(\*|[a-z0-9-]+)::product\/[\w-]+\/[\w-]+$/, 'a Security Hub product ARN'))
          .default([]),
      })
      .prefault({}),
    /** Caps on the automatic path: past a cap it pauses (findings are annotated "held") and an alarm fires. */
    blastLimits: z
      .object({
        /** The window the caps count over, in minutes. */
        windowMinutes: z
          .number()
          .int()
          .positive()
          .max(24 * 60)
          .default(60),
        /** Automatic changes in one account per window. */
        perAccount: z.number().int().nonnegative().default(10),
        /** Automatic changes across the organization per window. */
        overall: z.number().int().nonnegative().default(50),
      })
      .prefault({}),
    /** The people who run the hubfix CLI against the deployment (`hubfix status`, `hubfix plan`). */
    operators: z
      .object({
        /**
         * IAM principals (role or user ARNs) that may assume the read-only administrator role hubfix-admin-inspect, to check
         * the member roles and plan against real accounts with inspect permissions only. Empty: nobody (the CLI then uses the
         * caller's own credentials, read-only, and cannot check member roles).
         */
        principalArns: z.array(z.string().regex(/^arn:aws[\w-]*:(iam|sts)::\d{12}:/, 'an IAM role or user ARN')).default([]),
      })
      .prefault({}),
    /**
     * Who may decide an approval (issue 14). A voter must belong (the IdP's groups claim) to one of `approverGroups`,
     * and to one group of every rule that matches the approval; the quorum is the largest that applies.
     */
    approvalPolicy: z
      .object({
        /** Groups whose members may decide any approval no rule narrows. */
        approverGroups: z.array(groupName).min(1).default(['hubfix-approvers']),
        /** Distinct approvers needed for a high-risk plan (the first rejection decides whatever the quorum). */
        highRiskQuorum: z.number().int().min(1).max(5).default(1),
        rules: z.array(approvalRuleSchema).default([]),
      })
      .prefault({}),
    /** Sign-in on the approval page (OpenID Connect, authorization code with PKCE). Unset issuer: the stack's Cognito user pool. */
    approvalAuth: z
      .object({
        /** An OIDC issuer URL (https). Unset: the stack creates a Cognito user pool (MFA required) and uses it. */
        issuer: z.url({ protocol: /^https$/ }).optional(),
        clientId: z.string().min(1).optional(),
        /** Secrets Manager secret (name or ARN) holding the client secret of `clientId`. */
        clientSecretId: z.string().min(1).optional(),
        /** The ID token claim that lists the person's groups ("cognito:groups" for Cognito, "groups" for Okta / Entra). */
        groupsClaim: z.string().min(1).default('cognito:groups'),
        /** How long a sign-in lasts on the approval page. */
        sessionMinutes: z.number().int().min(1).max(60).default(15),
        /**
         * Cognito only: identity providers the user pool federates (IAM Identity Center, Okta, Entra ID, any OIDC issuer).
         * Their people's groups arrive in `custom:groups`: set `groupsClaim` to it.
         */
        federation: z.array(federatedProviderSchema).max(10).default([]),
        /** Cognito only: the hosted sign-in domain prefix (unset: derived from the account id). */
        cognitoDomainPrefix: z
          .string()
          .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'a Cognito domain prefix: lowercase letters, digits and hyphens')
          .optional(),
      })
      .prefault({})
      .refine((a) => a.issuer === undefined || (a.clientId !== undefined && a.clientSecretId !== undefined), {
        message: 'an issuer needs its clientId and clientSecretId',
        path: ['issuer'],
      })
      .refine((a) => a.issuer === undefined || a.federation.length === 0, {
        message: "federation is for the stack's Cognito user pool: with your own issuer, federate there",
        path: ['federation'],
      })
      .refine((a) => new Set(a.federation.map((p) => p.name)).size === a.federation.length, {
        message: 'each federated provider needs its own name',
        path: ['federation'],
      }),
    /** The approval API's own protection. */
    approvalApi: z
      .object({
        /** Requests one source IP may make in 5 minutes before WAF blocks it (AWS WAF rate-based rule; minimum 10). */
        rateLimitPer5Minutes: z.number().int().min(10).max(2_000_000_000).default(100),
        /** Attach the WAF web ACL with the rate-based rule to the API stage (on by default). */
        waf: z.boolean().default(true),
      })
      .prefault({}),
    /** Slack as a second approval channel (optional): the same policy and quorum as the page. */
    slack: slackSchema.optional(),
  })
  .strict();

export type HubfixConfig = z.infer<typeof configSchema>;
export type SlackConfig = z.infer<typeof slackSchema>;

/** Parses a configuration object; the error names every bad field by its path. */
export const parseConfig = (raw: unknown, source = 'configuration'): HubfixConfig => {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigurationError(`Invalid ${source}: ${problems.join('; ')}`);
  }
  return result.data;
};

/** How long the RequestApproval state waits: written into the definition at synth (TimeoutSeconds). */
export const approvalTimeoutSeconds = (config: HubfixConfig): number => Math.max(1, Math.round(config.approval.timeoutHours * 3600));

export const defaultConfig = (): HubfixConfig => parseConfig({});

/** Reads the configuration the stack handed to a function. */
export const configFromEnv = (): HubfixConfig => {
  const raw = process.env.HUBFIX_CONFIG;
  if (raw === undefined || raw === '') return defaultConfig();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError(`HUBFIX_CONFIG is not valid JSON: ${(error as Error).message}`);
  }
  return parseConfig(parsed, 'HUBFIX_CONFIG');
};
