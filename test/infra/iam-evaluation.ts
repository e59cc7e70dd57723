import type { Template } from 'aws-cdk-lib/assertions';

/**
 * Just enough of IAM's policy evaluation (same account) to ask a synthesized template "may this role do this to this
 * resource?": an explicit Deny in the identity or the resource policy wins; otherwise an Allow in either allows.
 * Condition operators it does not know make it throw, so it never answers a question it cannot judge.
 */

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';

export interface StatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface AccessRequest {
  principalArn: string;
  action: string;
  resource: string;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/**
 * CloudFormation values to strings, as deployed in ACCOUNT/REGION: a table's ARN ends in its logical id (the tests
 * name their local tables so), a role's in its RoleName or logical id. Anything else stays visibly unresolved.
 */
export const cfnResolver = (template: Template) => {
  const resources = template.toJSON().Resources as Resources;
  const arnOf = (logicalId: string): string => {
    const resource = resources[logicalId];
    if (resource?.Type === 'AWS::DynamoDB::Table') return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${logicalId}`;
    if (resource?.Type === 'AWS::IAM::Role') return `arn:aws:iam::${ACCOUNT}:role/${String(resource.Properties?.RoleName ?? logicalId)}`;
    return `<unresolved Arn of ${logicalId}>`;
  };
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::AccountId': ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string' || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(resolve);
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return pseudo[object.Ref as string] ?? `<unresolved Ref ${String(object.Ref)}>`;
    if ('Fn::GetAtt' in object) {
      const [id, attribute] = object['Fn::GetAtt'] as [string, string];
      return attribute === 'Arn' ? arnOf(id) : `<unresolved ${id}.${attribute}>`;
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => String(resolve(part))).join(separator);
    }
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, resolve(inner)]));
  };
  return { resolve, arnOf };
};

/** The statements of every identity policy of a role (attached AWS::IAM::Policy and inline), resolved. */
export const identityStatements = (template: Template, roleLogicalId: string): StatementJson[] => {
  const { resolve } = cfnResolver(template);
  const resources = template.toJSON().Resources as Resources;
  const attached = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(`"${roleLogicalId}"`))
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: StatementJson[] }).Statement);
  const inline = ((resources[roleLogicalId]?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: StatementJson[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  return [...attached, ...inline].map((s) => resolve(s) as StatementJson);
};

const asList = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

const glob = (pattern: string, value: string, ignoreCase = false): boolean => {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'i' : '').test(value);
};

const CONDITIONS: Record<string, (patterns: string[], value: string | undefined) => boolean> = {
  ArnEquals: (patterns, value) => value !== undefined && patterns.includes(value),
  ArnNotEquals: (patterns, value) => value === undefined || !patterns.includes(value),
  ArnLike: (patterns, value) => value !== undefined && patterns.some((p) => glob(p, value)),
  ArnNotLike: (patterns, value) => value === undefined || !patterns.some((p) => glob(p, value)),
  StringEquals: (patterns, value) => value !== undefined && patterns.includes(value),
  StringNotEquals: (patterns, value) => value === undefined || !patterns.includes(value),
  StringLike: (patterns, value) => value !== undefined && patterns.some((p) => glob(p, value)),
};

const conditionsHold = (statement: StatementJson, context: Record<string, string>): boolean =>
  Object.entries(statement.Condition ?? {}).every(([operator, byKey]) => {
    const test = CONDITIONS[operator];
    if (!test) throw new Error(`iam-evaluation does not know the condition operator ${operator}`);
    return Object.entries(byKey).every(([key, patterns]) => test(asList(patterns), context[key]));
  });

const principalMatches = (principal: unknown, principalArn: string): boolean => {
  if (principal === '*') return true;
  const aws = asList((principal as { AWS?: unknown } | undefined)?.AWS);
  return aws.some((p) => p === '*' || p === principalArn || p === `arn:aws:iam::${ACCOUNT}:root`);
};

const applies = (statement: StatementJson, request: AccessRequest, resourcePolicy: boolean): boolean =>
  asList(statement.Action).some((a) => glob(a, request.action, true)) &&
  (resourcePolicy
    ? principalMatches(statement.Principal, request.principalArn)
    : asList(statement.Resource).some((r) => glob(r, request.resource))) &&
  conditionsHold(statement, { 'aws:PrincipalArn': request.principalArn });

/** IAM's answer for a same-account request: the identity policies of the caller plus the resource's own policy. */
export const evaluate = (request: AccessRequest, identity: StatementJson[], resourcePolicy: StatementJson[]): Decision => {
  const matching = [...identity.filter((s) => applies(s, request, false)), ...resourcePolicy.filter((s) => applies(s, request, true))];
  if (matching.some((s) => s.Effect === 'Deny')) return 'explicit-deny';
  return matching.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit-deny';
};
