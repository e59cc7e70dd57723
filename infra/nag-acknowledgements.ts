import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { actionOf, type Grant, type GrantScope } from './permissions';

/**
 * The cdk-nag findings hubfix accepts, each with its reason, acknowledged on the narrowest construct that
 * explains them (acknowledgements apply to the construct and everything inside it).
 */
const acknowledge = (scope: IConstruct, reasons: Record<string, string>): void => {
  Validations.of(scope).acknowledge(...Object.entries(reasons).map(([id, reason]) => ({ id, reason })));
};

const XRAY = 'xray:PutTraceSegments and xray:PutTelemetryRecords (Lambda active tracing) support no resource-level permissions';

/** A function role's `Resource::*`: X-Ray (Lambda active tracing). */
export const acknowledgeFunctionRole = (role: IConstruct): void => {
  acknowledge(role, { 'AwsSolutions-IAM5[Resource::*]': `${XRAY}.` });
};

/** A resource as cdk-nag names it in a finding id: intrinsics flattened to `<AWS::Partition>`, `<Id.Attr>`. */
const nagResource = (scope: IConstruct, resource: string): string => {
  const flatten = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const node = value as Record<string, unknown>;
    if ('Fn::Join' in node) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if ('Fn::GetAtt' in node) {
      const [id, attribute] = node['Fn::GetAtt'] as [string, string];
      return `<${id}.${attribute}>`;
    }
    if ('Ref' in node) return `<${String(node.Ref)}>`;
    return JSON.stringify(value);
  };
  return flatten(Stack.of(scope).resolve(resource));
};

/**
 * The wildcard resources of a role built from control declarations (infra/permissions.ts): `*` for the actions that act
 * on whichever resource a finding names (or support no resource-level permissions), and each scoped pattern with the
 * reason the declaration gives.
 */
export const acknowledgeControlGrants = (
  role: IConstruct,
  grants: readonly Grant[],
  scope: GrantScope,
  trust: string,
  { functionRole = false } = {},
): void => {
  const anywhere = [...new Set(grants.filter((g): g is string => typeof g === 'string'))].sort();
  const reasons: Record<string, string> = {};
  if (anywhere.length > 0 || functionRole) {
    reasons['AwsSolutions-IAM5[Resource::*]'] =
      `${functionRole ? `${XRAY}; ` : ''}${anywhere.join(', ')} act on whichever resource a finding names (or support no ` +
      `resource-level permissions), ` +
      `so the actions are listed one by one (infra/permissions.ts) instead of the resources; ${trust}.`;
  }
  for (const grant of grants) {
    if (typeof grant === 'string') continue;
    for (const resource of grant.resources(scope)) {
      if (!nagResource(role, resource).includes('*')) continue;
      const id = `AwsSolutions-IAM5[Resource::${nagResource(role, resource)}]`;
      const reason = `${actionOf(grant)}: ${grant.why}`;
      if (!reasons[id]?.includes(reason)) reasons[id] = reasons[id] ? `${reasons[id]}; ${reason}` : reason;
    }
  }
  acknowledge(role, reasons);
};

/** What every hubfix function shares. */
export const acknowledgeFunction = (fn: IConstruct): void =>
  acknowledge(fn, {
    'AwsSolutions-L1':
      'Node.js 22 is the runtime the handlers are bundled for (esbuild target node22) and tested against; moving to a newer runtime ' +
      'is a deliberate upgrade, not a default.',
    'Serverless-LambdaLatestVersion':
      'Node.js 22 is the runtime the handlers are bundled for (esbuild target node22) and tested against; moving to a newer runtime ' +
      'is a deliberate upgrade, not a default.',
    'Serverless-LambdaDLQ':
      'hubfix functions are invoked synchronously (Step Functions tasks, API Gateway, SQS event source mappings) except the ' +
      'targets of EventBridge rules, which carry their own note (acknowledgeAsyncFunction); a Lambda dead-letter queue applies ' +
      'to asynchronous invocations only. Failures go back to the caller, which retries and catches (a queue: its redrive to ' +
      'its DLQ, which has an alarm).',
  });

/** A function an EventBridge rule invokes asynchronously, whose missed run costs only `missed`: the target retries it. */
export const acknowledgeAsyncFunction = (fn: IConstruct, rule: IConstruct, missed: string): void => {
  const why =
    `The rule's target retries; a run that still fails costs only ${missed}, ` +
    'which nothing would replay from a queue later, and the failure is in the function metrics and logs.';
  acknowledge(fn, { 'Serverless-LambdaDLQ': `Invoked asynchronously by an EventBridge rule. ${why}` });
  acknowledge(rule, { 'Serverless-EventBusDLQ': why });
};

export const acknowledgeIntake = (intake: IConstruct): void =>
  acknowledge(intake, {
    'Serverless-LambdaEventSourceMappingDestination':
      'SQS event source mappings support no on-failure destination; the intake queue redrives a message to its dead-letter queue ' +
      'after 3 receives, and that DLQ has an alarm.',
  });

export const acknowledgeSlackVoteWorker = (worker: IConstruct): void =>
  acknowledge(worker, {
    'Serverless-LambdaEventSourceMappingDestination':
      'SQS event source mappings support no on-failure destination; the Slack vote queue redrives a click to its dead-letter ' +
      'queue after 3 receives (the person sees no answer in Slack and can vote on the page).',
  });

export const acknowledgeDeadLetterQueue = (dlq: IConstruct, snsOnly = false): void =>
  acknowledge(dlq, {
    'Serverless-SQSRedrivePolicy':
      'This queue is itself a dead-letter queue (with a depth alarm); a DLQ of a DLQ would only move the same messages again.',
    ...(snsOnly
      ? {
          'AwsSolutions-SQS3':
            'This queue is the dead-letter queue of the approval email subscriptions (SNS RedrivePolicy), which cdk-nag recognizes ' +
            'only from SQS redrive policies.',
        }
      : {}),
  });

export const acknowledgeApprovalApi = (api: IConstruct, { waf }: { waf: boolean }): void =>
  acknowledge(api, {
    'AwsSolutions-APIG4':
      'The approval link is the credential: GET only renders a page, and POST is accepted only with a valid HMAC signature (key in ' +
      'Secrets Manager), before expiry and once (conditional update). Approvers are email recipients, not users of an identity pool.',
    'AwsSolutions-COG4':
      'The approval link is the credential: GET only renders a page, and POST is accepted only with a valid HMAC signature (key in ' +
      'Secrets Manager), before expiry and once (conditional update). Approvers are email recipients, not users of a Cognito user pool.',
    'AwsSolutions-APIG2':
      'A request validator requires the approvalId path parameter; the POST body is an HTML form, which API Gateway models cannot ' +
      'describe, and the handler validates it (zod) before anything else.',
    ...(waf
      ? {}
      : {
          'AwsSolutions-APIG3':
            'The configuration turns the WAF web ACL off (approvalApi.waf false), e.g. where an organization web ACL is attached to ' +
            'the stage by Firewall Manager; the stage stays throttled (rate 10, burst 20) and every decision needs a signed ' +
            'single-use link.',
        }),
    'AwsSolutions-APIG6':
      'Access logging (JSON) is on; execution logging needs the account-wide API Gateway CloudWatch role, an account setting hubfix ' +
      'does not take over.',
    'Serverless-APIGWXrayEnabled':
      'The approval link carries its HMAC signature in the query string, and an X-Ray trace of the stage records the request URL: ' +
      'tracing stays off on this stage (the functions behind it are traced).',
  });

export const acknowledgeStateMachineRole = (role: IConstruct, invokedVersions: string[]): void =>
  acknowledge(role, {
    'AwsSolutions-IAM5[Resource::*]':
      'CloudWatch Logs delivery (logs:CreateLogDelivery and related) and X-Ray (xray:PutTraceSegments, xray:GetSamplingRules and ' +
      'related) support no resource-level permissions; Lambda invocation is granted on the task functions only.',
    ...Object.fromEntries(
      invokedVersions.map((versions) => [
        `AwsSolutions-IAM5[Resource::${nagResource(role, versions)}]`,
        'Every published version of this task function (and no other function): each definition version invokes the function ' +
          'versions it was deployed with, and the role serves every definition version a waiting run may still be on (docs/upgrades.md).',
      ]),
    ),
  });

export const acknowledgeTopicPublisher = (role: IConstruct): void =>
  acknowledge(role, {
    'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]':
      'Publishing to the KMS-encrypted approval topic needs kms:GenerateDataKey* on the topic key; the grant names that one key only.',
  });

export const acknowledgeLinkSecret = (secret: IConstruct): void =>
  acknowledge(secret, {
    'AwsSolutions-SMG4':
      'Rotating the link-signing key invalidates every pending approval link mid-wait, so it is rotated by hand between approvals ' +
      '(put-secret-value with a new random 64-character value; the functions re-read it within minutes), not on a schedule.',
  });

/** The admin function roles assume the same-named hubfix member role in whichever account a finding comes from. */
export const acknowledgeMemberRoleAssumption = (role: IConstruct, memberRoleName: string): void =>
  acknowledge(role, {
    [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${memberRoleName}]`]:
      `sts:AssumeRole on the ` +
      `${memberRoleName} role of any account: findings come from every account of the organization (the account is only known per ` +
      `finding); the member role's trust policy admits this role only, from inside the organization.`,
  });

/** CDK's one AwsCustomResource provider function per stack (a fixed construct id). */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** The default Cognito user pool of approvers and the custom resource that copies its client secret into Secrets Manager. */
export const acknowledgeApproverIdentity = (scope: IConstruct): void => {
  const plan =
    'Threat protection needs the Cognito Plus feature plan, a cost the operator chooses; MFA is required and self sign-up is off.';
  acknowledge(scope, {
    'AwsSolutions-COG3': plan,
    'AwsSolutions-COG8': plan,
    'AwsSolutions-SMG4':
      'The secret is the Cognito app client secret, which Cognito cannot rotate in place; rotate by creating a new app client.',
  });
  const provider = Stack.of(scope).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
  if (provider) {
    acknowledge(provider, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        "CDK's AwsCustomResource provider (it reads the Cognito app client secret once per deployment) logs with " +
        'AWSLambdaBasicExecutionRole.',
      'AwsSolutions-L1': "CDK's AwsCustomResource provider picks its own Node.js runtime.",
      'Serverless-LambdaDefaultMemorySize': "CDK's AwsCustomResource provider: one SDK call per deployment, CDK sizes it.",
      'Serverless-LambdaDLQ':
        'A CloudFormation custom resource provider: CloudFormation itself reports a failure, there is no event to keep.',
      'Serverless-LambdaTracing': "CDK's AwsCustomResource provider: one SDK call per deployment, nothing to trace.",
    });
  }
};

/** Slack's interactivity route: Slack calls it, so its credential is Slack's request signature, not IAM or Cognito. */
export const acknowledgeSlackInteractions = (method: IConstruct): void =>
  acknowledge(method, {
    'AwsSolutions-APIG4':
      "Slack calls this route and cannot sign in: each request must carry Slack's v0 HMAC signature (signing secret in " +
      'Secrets Manager), a timestamp within 5 minutes and a signature not seen before; the vote then goes through the approval policy.',
    'AwsSolutions-COG4':
      'Slack calls this route and cannot sign in to a Cognito user pool: each request is authenticated by ' +
      "Slack's signature, and the person by the Slack user id Slack signs into it, mapped in config.",
  });
