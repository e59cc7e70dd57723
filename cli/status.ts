import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, ListRuleNamesByTargetCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  DescribeActionTargetsCommand,
  DescribeHubCommand,
  GetFindingAggregatorCommand,
  ListFindingAggregatorsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { ListExecutionsCommand, type ExecutionStatus, type SFNClient } from '@aws-sdk/client-sfn';
import { ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { MEMBER_ROLE_NAMES, memberRoleArn } from '../functions/platform/clients';
import type { HubfixConfig } from '../functions/platform/config';
import { automaticControlIds } from '../functions/workflow/modes';
import { CUSTOM_ACTIONS } from '../infra/hubfix-stack';
import { OPERATOR_START_ROLE_OUTPUT } from '../infra/operator-access';
import { STACK_SET_NAME } from '../infra/stackset-example';
import { allPages, assumedRoleCredentials, DeploymentNotFoundError, outputOf, readDeployment, type Deployment } from './aws';
import { inspectRoleArn, memberScope } from './deployment';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';

/**
 * `hubfix status`: what an operator checks before trusting a deployment, one line per check: ok, or the problem and
 * its fix. Reads only; names and ARNs come from the stack's outputs.
 */

export interface StatusLine {
  ok: boolean;
  check: string;
  detail: string;
  /** How to fix it (problems only). */
  fix?: string;
}

/** The clients status reads with; `sts` in a region, with other credentials when given (an assumed role). */
export interface StatusClients {
  cloudFormation: CloudFormationClient;
  securityHub: SecurityHubClient;
  events: EventBridgeClient;
  sns: SNSClient;
  sqs: SQSClient;
  stepFunctions: SFNClient;
  dynamo: DynamoDBClient;
  sts: (region: string, credentials?: AwsCredentialIdentityProvider) => STSClient;
}

export interface StatusOptions {
  config: HubfixConfig;
  stackName?: string;
  now: Date;
  /** Regions to check the member roles in beyond the home region and the aggregator's linked ones. */
  regions?: string[];
}

const DAY_MS = 24 * 3600_000;
const ok = (check: string, detail: string): StatusLine => ({ ok: true, check, detail });
const problem = (check: string, detail: string, fix: string): StatusLine => ({ ok: false, check, detail, fix });
const errorText = (error: unknown): string => `${(error as Error).name}: ${(error as Error).message}`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const stackLine = (d: Deployment): StatusLine =>
  /(_COMPLETE)$/.test(d.status) && !/ROLLBACK|DELETE/.test(d.status)
    ? ok('stack', `${d.stackName} is ${d.status} in account ${d.accountId}, ${d.region}`)
    : problem(
        'stack',
        `${d.stackName} is ${d.status}`,
        /IN_PROGRESS/.test(d.status)
          ? 'wait for the deployment to end, then run hubfix status again'
          : 'read the stack events (aws cloudformation describe-stack-events --stack-name ' + `${d.stackName}) and deploy again`,
      );

const securityHubLines = async (c: StatusClients, d: Deployment): Promise<StatusLine[]> => {
  const region = `--region ${d.region}`;
  let hub;
  try {
    hub = await c.securityHub.send(new DescribeHubCommand({}));
  } catch (error) {
    return [
      problem(
        'Security Hub',
        `not enabled in ${d.accountId} ${d.region} (${errorText(error)})`,
        `aws securityhub enable-security-hub --no-enable-default-standards ${region}, or set securityHub.enable in the configuration ` +
          `and deploy`,
      ),
    ];
  }
  const lines = [
    hub.ControlFindingGenerator === 'SECURITY_CONTROL'
      ? ok('Security Hub', `enabled in ${d.region} with consolidated control findings`)
      : problem(
          'Security Hub',
          `consolidated control findings are off (${hub.ControlFindingGenerator ?? 'STANDARD_CONTROL'}): one check yields a finding per ` +
            'standard, and the automatic rule matches Compliance.SecurityControlId',
          `aws securityhub update-security-hub-configuration --control-finding-generator SECURITY_CONTROL ${region}`,
        ),
  ];
  const arn = (await c.securityHub.send(new ListFindingAggregatorsCommand({}))).FindingAggregators?.[0]?.FindingAggregatorArn;
  if (!arn) {
    lines.push(
      problem(
        'finding aggregator',
        `none: findings of other regions never reach hubfix in ${d.region}`,
        `aws securityhub create-finding-aggregator --region-linking-mode ALL_REGIONS ${region}`,
      ),
    );
    return lines;
  }
  const aggregator = await c.securityHub.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: arn }));
  const mode = `${aggregator.RegionLinkingMode ?? 'unknown'}${aggregator.Regions?.length ? ` (${aggregator.Regions.join(', ')})` : ''}`;
  lines.push(
    aggregator.FindingAggregationRegion === d.region
      ? ok('finding aggregator', `aggregates into ${d.region}, linking ${mode}`)
      : problem(
          'finding aggregator',
          `aggregates into ${String(aggregator.FindingAggregationRegion)}, not ${d.region} where hubfix runs: linked regions' findings ` +
            'never reach it',
          `deploy hubfix in ${String(aggregator.FindingAggregationRegion)} (npx cdk deploy -c ` +
            `region=${String(aggregator.FindingAggregationRegion)})`,
        ),
  );
  return lines;
};

const customActionLine = async (c: StatusClients, d: Deployment): Promise<StatusLine> => {
  const targets = await allPages(async (NextToken) => {
    const page = await c.securityHub.send(new DescribeActionTargetsCommand({ NextToken }));
    return { items: page.ActionTargets, next: page.NextToken };
  });
  const found = new Set(targets.map((target) => String(target.ActionTargetArn).split('/').pop()));
  const missing = Object.values(CUSTOM_ACTIONS).filter((a) => !found.has(a.id));
  return missing.length === 0
    ? ok(
        'custom actions',
        Object.values(CUSTOM_ACTIONS)
          .map((a) => `"${a.name}"`)
          .join(', ') + ' in place',
      )
    : problem(
        'custom actions',
        `missing in ${d.region}: ${missing.map((a) => `"${a.name}" (${a.id})`).join(', ')}`,
        `deploy the stack again (npx cdk deploy): it creates them`,
      );
};

const rulesLine = async (c: StatusClients, d: Deployment, config: HubfixConfig): Promise<StatusLine> => {
  const queueArn = outputOf(d, 'IntakeQueueArn');
  const names = await allPages(async (NextToken) => {
    const page = await c.events.send(new ListRuleNamesByTargetCommand({ TargetArn: queueArn, NextToken }));
    return { items: page.RuleNames, next: page.NextToken };
  });
  const expected = Object.keys(CUSTOM_ACTIONS).length + (automaticControlIds(config).length > 0 ? 1 : 0);
  const disabled: string[] = [];
  for (const name of names) {
    const rule = await c.events.send(new DescribeRuleCommand({ Name: name }));
    if (rule.State !== 'ENABLED') disabled.push(name);
  }
  if (disabled.length > 0)
    return problem(
      'EventBridge rules',
      `${plural(disabled.length, 'rule')} to the intake queue disabled: ${disabled.join(', ')}`,
      disabled.map((name) => `aws events enable-rule --name ${name} --region ${d.region}`).join('; '),
    );
  if (names.length < expected)
    return problem(
      'EventBridge rules',
      `${names.length} of ${expected} rules deliver to the intake queue`,
      'deploy the stack again (npx cdk deploy) with the configuration it was built from',
    );
  return ok('EventBridge rules', `${plural(names.length, 'rule')} deliver to the intake queue, all enabled`);
};

const memberRoleLines = async (c: StatusClients, d: Deployment, options: StatusOptions): Promise<StatusLine[]> => {
  const scope = await memberScope(options.config, d, c.securityHub, options.regions);
  if (scope.accounts.length === 0) return [ok('member roles', `hubfix acts in its own account only (${scope.source} names no other)`)];
  const adminRole = inspectRoleArn(d);
  const admin = assumedRoleCredentials(c.sts(d.region), adminRole, 'hubfix-status');
  try {
    await admin();
  } catch (error) {
    return [
      problem(
        'member roles',
        `not checked: you cannot assume ${adminRole}, through which hubfix reaches the ${plural(
          scope.accounts.length,
          'member account',
        )} (${errorText(error)})`,
        'add your IAM principal ARN to operators.principalArns in the configuration, deploy, and run hubfix status again',
      ),
    ];
  }
  const lines: StatusLine[] = [];
  for (const accountId of scope.accounts) {
    const failures: string[] = [];
    for (const region of scope.regions) {
      try {
        await c
          .sts(region, admin)
          .send(new AssumeRoleCommand({ RoleArn: memberRoleArn(accountId, 'inspect', region), RoleSessionName: 'hubfix-status' }));
      } catch (error) {
        failures.push(`${region}: ${errorText(error)}`);
      }
    }
    lines.push(
      failures.length === 0
        ? ok('member roles', `${accountId}: ${MEMBER_ROLE_NAMES.inspect} assumable in ${scope.regions.join(', ')}`)
        : problem(
            'member roles',
            `${accountId}: ${MEMBER_ROLE_NAMES.inspect} cannot be assumed (${failures.join('; ')}); findings there are annotated, ` +
              `never fixed`,
            `deploy the member stack to ${accountId} (StackSet ${STACK_SET_NAME}, infra/stackset-example.ts), with organization.id and ` +
              `organization.administratorAccountId ${d.accountId} in its configuration`,
          ),
    );
  }
  return lines;
};

/** Whether `hubfix remediate` can start runs for the person running status: the operator start role, assumed as it would. */
const operatorStartLine = async (c: StatusClients, d: Deployment): Promise<StatusLine> => {
  const roleArn = d.outputs[OPERATOR_START_ROLE_OUTPUT];
  if (!roleArn)
    return ok('operator start', 'no operator start role (operators.principalArns names nobody): hubfix remediate needs --own-credentials');
  try {
    await assumedRoleCredentials(c.sts(d.region), roleArn, 'hubfix-status')();
    return ok('operator start', `you can assume ${roleArn}: hubfix remediate starts runs through it`);
  } catch (error) {
    return problem(
      'operator start',
      `you cannot assume ${roleArn}, so hubfix remediate cannot start runs for you (${errorText(error)})`,
      'add your IAM principal ARN to operators.principalArns in the configuration, deploy, and run hubfix status again',
    );
  }
};

const subscriptionLines = async (c: StatusClients, d: Deployment, config: HubfixConfig): Promise<StatusLine[]> => {
  const topicArn = outputOf(d, 'ApprovalTopicArn');
  if (config.approvers.emails.length === 0)
    return [problem('approvers', 'no approver email is configured: approval requests reach nobody', 'set approvers.emails and deploy')];
  const subscriptions = await allPages(async (NextToken) => {
    const page = await c.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    return { items: page.Subscriptions, next: page.NextToken };
  });
  return config.approvers.emails.map((email) => {
    const subscription = subscriptions.find((s) => s.Protocol === 'email' && s.Endpoint?.toLowerCase() === email.toLowerCase());
    if (!subscription)
      return problem('approvers', `${email} is not subscribed to the approval topic`, 'deploy the stack again with this configuration');
    if (subscription.SubscriptionArn === 'PendingConfirmation')
      return problem(
        'approvers',
        `${email} has not confirmed the subscription (PendingConfirmation): approval emails do not reach them`,
        `${email} clicks "Confirm subscription" in the email from AWS Notifications; to send it again: aws sns subscribe ` +
          `--topic-arn ${topicArn} --protocol email --notification-endpoint ${email} --region ${d.region}`,
      );
    return ok('approvers', `${email} confirmed`);
  });
};

const dlqLines = async (c: StatusClients, d: Deployment): Promise<StatusLine[]> =>
  Promise.all(
    [
      ['IntakeDlqUrl', 'intake DLQ', 'Security Hub events that never reached a workflow'],
      ['NotificationDlqUrl', 'notification DLQ', 'approval emails SNS could not deliver'],
    ].map(async ([output, check, what]) => {
      const url = outputOf(d, output);
      const { Attributes } = await c.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'QueueArn'] }),
      );
      const depth = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
      return depth === 0
        ? ok(check, 'empty')
        : problem(
            check,
            `${plural(depth, 'message')}: ${what}`,
            `read them (aws sqs receive-message --queue-url ${url} --max-number-of-messages 10), fix the cause, then redrive ` +
              `(aws sqs start-message-move-task --source-arn ${String(Attributes?.QueueArn)})`,
          );
    }),
  );

const UNSUCCESSFUL: ExecutionStatus[] = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/** Executions of one state machine that ended unsuccessfully since `since` (listed newest first). */
const unsuccessfulSince = async (c: StatusClients, stateMachineArn: string, since: Date): Promise<string[]> => {
  const arns: string[] = [];
  for (const statusFilter of UNSUCCESSFUL) {
    let nextToken: string | undefined;
    do {
      const page = await c.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn, statusFilter, nextToken }));
      const executions = page.executions ?? [];
      arns.push(...executions.filter((e) => (e.stopDate ?? e.startDate ?? new Date(0)) >= since).map((e) => String(e.executionArn)));
      const oldest = executions[executions.length - 1]?.startDate;
      nextToken = oldest && oldest < since ? undefined : page.nextToken;
    } while (nextToken);
  }
  return arns;
};

const executionLines = async (c: StatusClients, d: Deployment, now: Date): Promise<StatusLine[]> => {
  const since = new Date(now.getTime() - DAY_MS);
  return Promise.all(
    [
      ['StateMachineArn', 'remediation runs'],
      ['ControlHygieneStateMachineArn', 'control-hygiene runs'],
    ].map(async ([output, check]) => {
      const failed = await unsuccessfulSince(c, outputOf(d, output), since);
      return failed.length === 0
        ? ok(check, 'none failed, timed out or was aborted in the last 24 h')
        : problem(
            check,
            `${plural(failed.length, 'execution')} failed, timed out or was aborted in the last 24 h`,
            `read why: aws stepfunctions describe-execution --execution-arn ${failed[0]} (the finding note names the failed step)`,
          );
    }),
  );
};

const approvalLine = async (c: StatusClients, d: Deployment, now: Date): Promise<StatusLine> => {
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  const pending: { createdAt: string; expiresAt: number; executionId: string }[] = [];
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    // Never the task token: the projection names what the line needs.
    const page = await c.dynamo.send(
      new ScanCommand({
        TableName: outputOf(d, 'ApprovalTableName'),
        FilterExpression: '#status = :pending AND createdAt >= :since',
        ProjectionExpression: 'createdAt, expiresAt, executionId',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': { S: 'PENDING' }, ':since': { S: since } },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? [])
      pending.push({
        createdAt: String(item.createdAt?.S),
        expiresAt: Number(item.expiresAt?.N),
        executionId: String(item.executionId?.S),
      });
    ExclusiveStartKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (ExclusiveStartKey);
  const stuck = pending.filter((p) => p.expiresAt * 1000 <= now.getTime());
  if (stuck.length > 0)
    return problem(
      'approvals',
      `${plural(stuck.length, 'approval')} still PENDING after the link expired: the run's wait should have ended`,
      `check the execution (aws stepfunctions describe-execution --execution-arn ${stuck[0].executionId}); stop it if it still waits`,
    );
  return ok('approvals', `${plural(pending.length, 'approval')} requested in the last 24 h still waiting for a decision`);
};

/** Runs every check; a check that cannot run is a problem line of its own, and the others still run. */
export const checkStatus = async (c: StatusClients, options: StatusOptions): Promise<StatusLine[]> => {
  let d: Deployment;
  try {
    d = await readDeployment(c.cloudFormation, options.stackName);
  } catch (error) {
    if (!(error instanceof DeploymentNotFoundError)) throw error;
    return [problem('stack', error.message, 'deploy hubfix (see Deploy in the README: npx cdk bootstrap, then npx cdk deploy)')];
  }
  const checks: [string, () => Promise<StatusLine | StatusLine[]>][] = [
    ['Security Hub', () => securityHubLines(c, d)],
    ['custom actions', () => customActionLine(c, d)],
    ['EventBridge rules', () => rulesLine(c, d, options.config)],
    ['member roles', () => memberRoleLines(c, d, options)],
    ['operator start', () => operatorStartLine(c, d)],
    ['approvers', () => subscriptionLines(c, d, options.config)],
    ['dead-letter queues', () => dlqLines(c, d)],
    ['executions', () => executionLines(c, d, options.now)],
    ['approvals', () => approvalLine(c, d, options.now)],
  ];
  const lines: StatusLine[] = [stackLine(d)];
  for (const [check, run] of checks) {
    try {
      lines.push(...[await run()].flat());
    } catch (error) {
      lines.push(
        problem(check, `could not be checked (${errorText(error)})`, 'grant your credentials the read this check needs, or fix the cause'),
      );
    }
  }
  return lines;
};

/** One line a check: `ok       what` or `PROBLEM  what` with the fix on the next line. */
export const formatStatus = (lines: StatusLine[]): string =>
  lines
    .map((l) => (l.ok ? `ok       ${l.check}: ${l.detail}` : `PROBLEM  ${l.check}: ${l.detail}\n         fix: ${l.fix ?? ''}`))
    .join('\n');
