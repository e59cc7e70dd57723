import * as z from 'zod';

/**
 * Who started a run, when a person did: the operator whose AWS credentials called StartExecution (the CLI records its
 * sts:GetCallerIdentity ARN), or a person signed in through the approval page's identity provider. The execution
 * input is a pointer, not a fact: only StartExecution holders can set this, and it only ever adds a refusal (the
 * requester cannot approve their own run). A Security Hub custom action or import carries no person: no requester.
 */
export interface Requester {
  /** A signed-in person: their identity provider and subject (both, or neither). */
  issuer?: string;
  subject?: string;
  /** A verified email (web sign-in). */
  email?: string;
  name?: string;
  /** An AWS principal: the caller ARN sts:GetCallerIdentity returned to the command that started the run. */
  arn?: string;
  /**
   * The person an AWS principal names: an assumed role's session name (IAM Identity Center sets it to the user's user name,
   * usually their email), or an IAM user's name. Compared with the approver's email and preferred username.
   */
  userName?: string;
}

const text = (limit: number) => z.string().trim().min(1).max(limit);

/** The execution input's `requestedBy`, checked at the step edge: a web identity needs issuer and subject, an AWS one its ARN. */
export const requesterSchema = z
  .object({
    issuer: text(500).optional(),
    subject: text(500).optional(),
    email: text(320).optional(),
    name: text(200).optional(),
    arn: text(2048)
      .regex(/^arn:aws[\w-]*:(sts|iam)::\d{12}:/, 'an IAM or STS ARN')
      .optional(),
    userName: text(200).optional(),
  })
  .strict()
  .refine((r) => (r.issuer === undefined) === (r.subject === undefined), 'issuer and subject go together')
  .refine((r) => r.issuer !== undefined || r.arn !== undefined, 'a requester is a signed-in person (issuer, subject) or an ARN');

/**
 * The requester an AWS caller ARN names. `assumed-role/<role>/<session>`: the session name (for an IAM Identity Center
 * role, `AWSReservedSSO_<permission set>_<id>`, the person's user name); `user/<path>/<name>`: the user name; anything
 * else (a root or federated-user ARN) names no person hubfix can compare.
 */
export const requesterFromCallerArn = (arn: string): Requester => {
  const assumed = /^arn:aws[\w-]*:sts::\d{12}:assumed-role\/[\w+=,.@-]+\/([\w+=,.@-]+)$/.exec(arn);
  const user = /^arn:aws[\w-]*:iam::\d{12}:user\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/.exec(arn);
  const userName = assumed?.[1] ?? user?.[1];
  return { arn, ...(userName ? { userName } : {}) };
};

/** The requester as one short value (the audit export's column): who, then the ARN or the issuer that vouches for it. */
export const requesterLabel = (requester: Requester): string =>
  requester.issuer
    ? `${requester.email ?? requester.name ?? requester.subject} (${requester.issuer})`
    : `${requester.userName ? `${requester.userName} ` : ''}(${requester.arn})`;

/** One line for the page, the email, the note and the report; the caller escapes it for its sink. */
export const describeRequester = (requester: Requester | undefined, startedBy: 'custom-action' | 'imported' | 'batch'): string => {
  if (!requester) {
    if (startedBy === 'imported') return 'Security Hub imported this finding; no person requested this run.';
    if (startedBy === 'batch') return 'Started without a requester (a command that did not say who ran it); the requester is not known.';
    return 'Requested from Security Hub; the requester is not known (a custom action carries no identity).';
  }
  if (requester.issuer) {
    const who = requester.name && requester.email ? `${requester.name} <${requester.email}>` : (requester.name ?? requester.email);
    return `Requested by ${who ?? requester.subject} (signed in at ${requester.issuer}).`;
  }
  return `Requested by ${requester.userName ?? 'an AWS principal'} (AWS caller ${requester.arn}).`;
};
