/**
 * Reads a KMS key policy the way CloudTrail will meet it: may cloudtrail.amazonaws.com call
 * kms:GenerateDataKey* for this trail? Covers what key policies for CloudTrail use in practice:
 * service or "*" principals, wildcard actions, Deny statements, and the trail conditions
 * (aws:SourceArn, kms:EncryptionContext:aws:cloudtrail:arn). Other condition keys are reported, not judged.
 */

const CLOUDTRAIL = 'cloudtrail.amazonaws.com';
const TRAIL_CONDITION_KEYS = ['aws:sourcearn', 'kms:encryptioncontext:aws:cloudtrail:arn'];

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface CloudTrailKeyAccess {
  allowed: boolean;
  /** One line for the evidence: which statement allows or denies, or why none does. */
  why: string;
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);
const wildcard = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );

const statementsOf = (policy: string): Statement[] => {
  const parsed = JSON.parse(policy) as { Statement?: Statement | Statement[] };
  return Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : [];
};

const namesCloudTrail = (principal: unknown): boolean => {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const p = principal as { Service?: unknown; AWS?: unknown };
  return list(p.Service).includes(CLOUDTRAIL) || list(p.AWS).includes('*');
};

const coversGenerateDataKey = (actions: string | string[] | undefined): boolean =>
  list(actions).some((a) => wildcard(a).test('kms:GenerateDataKey'));

/** Whether the statement's trail conditions admit this trail; unknown condition keys are left to the approver. */
const conditionsAdmit = (statement: Statement, trailArn: string): { admit: boolean; other: string[] } => {
  const other: string[] = [];
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(entries)) {
      if (!TRAIL_CONDITION_KEYS.includes(key.toLowerCase())) {
        other.push(`${operator} ${key}`);
        continue;
      }
      const exact = /Equals$/.test(operator);
      const matches = list(values).some((v) => (exact ? v === trailArn : wildcard(v).test(trailArn)));
      if (!matches) return { admit: false, other };
    }
  }
  return { admit: true, other };
};

export const cloudTrailKeyAccess = (policy: string, trailArn: string): CloudTrailKeyAccess => {
  let statements: Statement[];
  try {
    statements = statementsOf(policy);
  } catch {
    return { allowed: false, why: 'the key policy is not valid JSON' };
  }
  const relevant = statements.filter((s) => namesCloudTrail(s.Principal) && coversGenerateDataKey(s.Action));
  const deny = relevant.find((s) => s.Effect === 'Deny' && conditionsAdmit(s, trailArn).admit);
  if (deny) return { allowed: false, why: `statement ${deny.Sid ?? '(no Sid)'} denies ${CLOUDTRAIL} kms:GenerateDataKey*` };
  for (const s of relevant.filter((r) => r.Effect === 'Allow')) {
    const { admit, other } = conditionsAdmit(s, trailArn);
    if (!admit) continue;
    const caveat = other.length > 0 ? ` (also conditioned on ${other.join(', ')})` : '';
    return { allowed: true, why: `statement ${s.Sid ?? '(no Sid)'} allows ${CLOUDTRAIL} kms:GenerateDataKey* for ${trailArn}${caveat}` };
  }
  return {
    allowed: false,
    why:
      relevant.length > 0
        ? `its statements for ${CLOUDTRAIL} do not admit ${trailArn} (conditions)`
        : `no statement allows ${CLOUDTRAIL} kms:GenerateDataKey*`,
  };
};

/** Principals other than the account root that the policy lets decrypt: who can still read encrypted log files. */
export const decryptingPrincipals = (policy: string): string[] => {
  try {
    return statementsOf(policy)
      .filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => wildcard(a).test('kms:Decrypt')))
      .flatMap((s) => {
        const p = s.Principal;
        if (p === '*') return ['*'];
        if (typeof p !== 'object' || p === null) return [];
        return list((p as { AWS?: unknown }).AWS).filter((arn) => !/:root$/.test(arn));
      });
  } catch {
    return [];
  }
};
