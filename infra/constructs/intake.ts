import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HubfixConfig } from '../../functions/platform/config';
import { SETTINGS_ENV } from '../../functions/platform/runtime';
import { automaticControlIds } from '../../functions/workflow/modes';
import { acknowledgeDeadLetterQueue, acknowledgeFunctionRole, acknowledgeIntake } from '../nag-acknowledgements';
import type { AuditTrail } from './audit';
import { encryptedQueue } from './encrypted-queue';
import { grantAnnotateFindings, grantReadFindings } from './findings-access';
import { functionRole, HubfixFunction } from './hubfix-function';
import type { RemediationWorkflow } from './remediation-workflow';

/** The Security Hub custom actions; intake tells them apart by the action ARN's last segment. */
export const CUSTOM_ACTIONS = {
  remediate: {
    id: 'HubfixRemediate',
    name: 'Remediate',
    description: 'hubfix: assess the blast radius, ask for approval where needed, remediate, verify and annotate the selected findings.',
  },
  plan: {
    id: 'HubfixPlan',
    name: 'Plan only',
    description: 'hubfix: assess the blast radius and write the plan onto the selected findings; nothing is changed.',
  },
  undo: {
    id: 'HubfixUndo',
    name: 'Undo fix',
    description:
      'hubfix: roll back the fix hubfix made on the selected findings (with approval when the fix needed one), verify, annotate.',
  },
} as const;

/** Security Hub's own controls product, in any region (findings aggregated from other regions keep theirs). */
export const securityHubProductPattern = (partition: string): string => `arn:${partition}:securityhub:*::product/aws/securityhub`;

/**
 * The products whose findings hubfix may act on, as EventBridge matchers: Security Hub's own controls in any region,
 * plus `trust.products` from the configuration (a "*" there stands for the region: a wildcard matcher).
 */
export const trustedProductMatchers = (partition: string, config: HubfixConfig): string[] => {
  const patterns = [...new Set([securityHubProductPattern(partition), ...config.trust.products])];
  return patterns.flatMap((arn) => (arn.includes('*') ? events.Match.wildcard(arn) : [arn]));
};

/**
 * The EventBridge pattern of the automatic path: new, active, failed findings of exactly these controls, produced by a
 * trusted product. EventBridge matches each field against any element of `findings`, not element by element, so an
 * event that mixes trusted and forged findings still matches: intake checks the product of every finding again.
 */
export const importedFindingsPattern = (controlIds: string[], productMatchers: string[]): events.EventPattern => ({
  source: ['aws.securityhub'],
  detailType: ['Security Hub Findings - Imported'],
  detail: {
    findings: {
      ProductArn: productMatchers,
      Compliance: { Status: ['FAILED'], SecurityControlId: controlIds },
      RecordState: ['ACTIVE'],
      Workflow: { Status: ['NEW'] },
    },
  },
});

const INTAKE_TIMEOUT = Duration.seconds(30);

/**
 * What starting runs takes, as intake does it: re-read the findings and annotate those refused, read hubfix's run
 * history, take the resource locks, start the executions. Intake's role, and the role `hubfix remediate` assumes.
 */
export const grantStartRuns = (role: iam.IRole, workflow: RemediationWorkflow, audit: AuditTrail): void => {
  grantAnnotateFindings(role);
  grantReadFindings(role);
  workflow.grantTakeLocks(role);
  audit.grantRunHistoryRead(role);
  workflow.stateMachine.grantStartExecution(role);
};

export interface IntakeProps {
  config: HubfixConfig;
  /** The workflow intake starts, and whose resource locks it takes. */
  workflow: RemediationWorkflow;
  /** hubfix's run history: what it did to a finding before (Undo, loop protection). */
  audit: AuditTrail;
}

/**
 * The way in: the "Remediate", "Plan only" and "Undo fix" custom actions and (for controls in auto mode) imported
 * findings, through EventBridge to an SQS queue with a DLQ, to the intake function, which validates each finding,
 * re-reads it, takes the resource lock and starts one execution per finding (refused findings are annotated at once).
 */
export class Intake extends Construct {
  readonly queue: sqs.Queue;
  /** Security Hub events that never reached a workflow (undeliverable by EventBridge, or failed by intake 3 times). */
  readonly deadLetterQueue: sqs.Queue;
  readonly function: HubfixFunction;
  readonly eventSourceMapping: lambda.CfnEventSourceMapping;

  constructor(scope: Construct, id: string, props: IntakeProps) {
    super(scope, id);
    const { config, workflow, audit } = props;

    // Intake annotates the findings it refuses, re-reads each finding and its run history, takes the resource lock and
    // starts the execution.
    const role = functionRole(this, 'IntakeRole', 'hubfix intake: starts executions, annotates rejected findings');
    grantStartRuns(role, workflow, audit);
    acknowledgeFunctionRole(role);
    this.function = new HubfixFunction(this, 'Intake', {
      entry: 'handlers/intake.ts',
      description: 'hubfix: validates custom-action findings and starts one execution each',
      role,
      timeout: INTAKE_TIMEOUT,
      config,
      environment: {
        [SETTINGS_ENV.lockTableName]: workflow.lockTable.tableName,
        [SETTINGS_ENV.auditTableName]: audit.table.tableName,
        [SETTINGS_ENV.stateMachineArn]: workflow.stateMachine.stateMachineArn,
      },
    });

    this.deadLetterQueue = encryptedQueue(this, 'IntakeDlq', { retentionPeriod: Duration.days(14) });
    this.queue = encryptedQueue(this, 'IntakeQueue', {
      visibilityTimeout: Duration.seconds(INTAKE_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 3 },
    });
    // Events EventBridge cannot deliver land in the same DLQ as events intake cannot process.
    const toQueue = () => new eventTargets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 10 });
    for (const [key, action] of Object.entries(CUSTOM_ACTIONS)) {
      const target = new securityhub.CfnActionTarget(this, `${action.id}Action`, {
        id: action.id,
        name: action.name,
        description: action.description,
      });
      // Keyed on hubfix's own action ARNs, not on the product: a person chose these findings, and intake refuses an
      // untrusted product per finding and annotates it ("not acted on: product X is not trusted"), which a pattern
      // that drops the event cannot do.
      new events.Rule(this, `${action.id}Rule`, {
        description: `hubfix: Security Hub custom action "${action.name}" (${key}) to the intake queue`,
        eventPattern: {
          source: ['aws.securityhub'],
          detailType: ['Security Hub Findings - Custom Action'],
          resources: [target.attrActionTargetArn],
        },
        targets: [toQueue()],
      });
    }
    // The automatic path: imported findings of the controls in "auto" mode, narrowed in the pattern itself so
    // nothing else (and none of hubfix's own NOTIFIED / RESOLVED updates) ever reaches intake.
    const automatic = automaticControlIds(config);
    if (automatic.length > 0) {
      new events.Rule(this, 'ImportedFindingsRule', {
        description: 'hubfix: imported failed findings of the controls in auto mode, from trusted products, to the intake queue',
        eventPattern: importedFindingsPattern(automatic, trustedProductMatchers(Stack.of(this).partition, config)),
        targets: [toQueue()],
      });
    }
    // maxConcurrency bounds intake (and so StartExecution and BatchUpdateFindings rates) without reserving account concurrency.
    const source = new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 });
    this.function.addEventSource(source);
    const mapping = this.function.node.children.find((child) => child instanceof lambda.EventSourceMapping);
    if (!mapping) throw new Error('intake: the SQS event source created no event source mapping');
    this.eventSourceMapping = mapping.node.defaultChild as lambda.CfnEventSourceMapping;
    acknowledgeIntake(this.function);
    acknowledgeDeadLetterQueue(this.deadLetterQueue);
  }
}
