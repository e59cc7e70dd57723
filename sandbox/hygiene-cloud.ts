import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchUpdateStandardsControlAssociationsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import dynalite from 'dynalite';
import { createApprovalApiHandler } from '../functions/handlers/approval-api';
import { approvalTableDefinition } from '../functions/approval/approval-store';
import { auditTableDefinition } from '../functions/audit/audit';
import type { Target } from '../functions/platform/clients';
import type { HubfixConfig } from '../functions/platform/config';
import type { Runtime } from '../functions/platform/runtime';
import { createApplyControlsHandler } from '../functions/hygiene/apply-controls';
import { auditOrganization } from '../functions/hygiene/audit';
import { createPrepareBatchHandler } from '../functions/hygiene/prepare-batch';
import { createRecordChangesHandler } from '../functions/hygiene/record-changes';
import { createRequestBatchApprovalHandler } from '../functions/hygiene/request-batch-approval';
import type { AuditReport, HygieneBatchInput, HygieneRunRecord } from '../functions/hygiene/types';
import { answerApproval, approvalLinkIn } from './approver';
import type { Fixture } from './fixture';
import { LocalIdentityProvider, startLocalSignIn } from './local-identity-provider';
import { bind, listen, serveApprovalApi } from './local-lambda';
import { LocalStepFunctions, type LocalExecution } from './local-step-functions';
import type { EmailPolicy } from './session';
import { SimulatedAws, type PublishedMessage } from './simulated-aws';
import { simulatedClientFactory } from './simulated-clients';
import { synthesizeWorkflow, type SynthesizedWorkflow, type WorkflowSelector } from './synthesized-definition';

/** The control-hygiene state machine of the stack, with its four functions. */
export const HYGIENE_WORKFLOW: WorkflowSelector = {
  name: 'hubfix-control-hygiene',
  stateMachine: (stack) => stack.controlHygiene.stateMachine,
  functions: (stack) => stack.controlHygiene.functions,
};

export const synthesizeHygieneWorkflow = (config: HubfixConfig, accountId: string, region: string): SynthesizedWorkflow =>
  synthesizeWorkflow(config, accountId, region, HYGIENE_WORKFLOW);

/** Failed, active findings per "account region", as the Security Hub console counts them. */
export const failedFindingCounts = (sim: SimulatedAws): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const { finding } of sim.findings.values()) {
    if ((finding.Compliance as { Status?: string } | undefined)?.Status !== 'FAILED' || finding.RecordState !== 'ACTIVE') continue;
    const key = `${String(finding.AwsAccountId)} ${String(finding.Region)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

export const totalOf = (counts: Record<string, number>): number => Object.values(counts).reduce((n, c) => n + c, 0);

/** Every account of the fixture in every region any account has Security Hub in (regions without it are reported as skipped). */
export const organizationTargets = (fixture: Fixture): Target[] => {
  const regions = new Set<string>([fixture.homeRegion]);
  for (const account of Object.values(fixture.accounts)) {
    const hub = (account as { securityHub?: { regions?: Record<string, unknown> } }).securityHub;
    for (const region of Object.keys(hub?.regions ?? {})) regions.add(region);
  }
  return Object.keys(fixture.accounts).flatMap((accountId) => [...regions].map((region) => ({ accountId, region })));
};

export interface HygieneRunReport {
  execution: { name: string; status: string; states: string[]; error?: { Error: string; Cause: string } };
  record?: HygieneRunRecord;
  emails: { subject?: string; link?: string; answer?: string }[];
  failedFindings: { before: Record<string, number>; after: Record<string, number>; totalBefore: number; totalAfter: number };
}

export interface HygieneCloudOptions {
  fixture: Fixture;
  config: HubfixConfig;
  now?: () => Date;
  retryIntervalMs?: number;
  /** Reuse one synthesized workflow (tests synthesize once per file). */
  workflow?: SynthesizedWorkflow;
}

/**
 * The control-hygiene workflow on one machine: the simulated organization, the approvals table (dynalite), the
 * approval page on localhost, and the SYNTHESIZED hygiene state machine on aws-local-stepfunctions with every
 * task bound to its real handler.
 */
export class HygieneCloud {
  private constructor(
    readonly sim: SimulatedAws,
    readonly runtime: Runtime,
    readonly stepFunctions: LocalStepFunctions,
    private readonly servers: (Server | LocalIdentityProvider)[],
  ) {}

  static async start(options: HygieneCloudOptions): Promise<HygieneCloud> {
    const now = options.now ?? (() => new Date());
    const { homeAccountId, homeRegion } = options.fixture;
    const sim = new SimulatedAws(options.fixture, now);
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamoPort = await listen(dynamo, 0);
    const approvalServer = createServer();
    const approvalBaseUrl = `http://127.0.0.1:${await listen(approvalServer, 0)}`;
    const signIn = await startLocalSignIn(approvalBaseUrl, options.config.approvalAuth.groupsClaim);
    const workflow = options.workflow ?? synthesizeHygieneWorkflow(options.config, homeAccountId, homeRegion);
    const clients = simulatedClientFactory(sim, { homeAccountId, homeRegion, dynamoEndpoint: `http://127.0.0.1:${dynamoPort}` });
    const settings = {
      approvalTableName: 'hubfix-approvals',
      lockTableName: 'hubfix-locks',
      auditTableName: 'hubfix-audit',
      approvalTopicArn: `arn:aws:sns:${homeRegion}:${homeAccountId}:hubfix-approvals`,
      linkSecretId: 'hubfix/approval-link-key',
      approvalBaseUrl,
      stateMachineArn: workflow.stateMachineArn,
      ...signIn.settings,
    } as Runtime['settings'];
    sim.secrets.set(settings.linkSecretId, randomBytes(32).toString('base64url'));
    sim.secrets.set(settings.authClientSecretId, signIn.clientSecret);
    await clients.home(DynamoDBClient).send(new CreateTableCommand(approvalTableDefinition(settings.approvalTableName)));
    await clients.home(DynamoDBClient).send(new CreateTableCommand(auditTableDefinition(settings.auditTableName)));
    const runtime: Runtime = { clients, config: options.config, settings, now };
    const get = () => runtime;
    const stepFunctions = new LocalStepFunctions({
      workflow,
      functions: {
        prepare: bind('prepare', createPrepareBatchHandler(get)),
        requestBatchApproval: bind('requestBatchApproval', createRequestBatchApprovalHandler(get)),
        applyControls: bind('applyControls', createApplyControlsHandler(get)),
        recordChanges: bind('recordChanges', createRecordChangesHandler(get)),
      },
      accountId: homeAccountId,
      region: homeRegion,
      retryIntervalMs: options.retryIntervalMs,
    });
    sim.serve('SFNClient', stepFunctions.commands());
    serveApprovalApi(approvalServer, approvalBaseUrl, createApprovalApiHandler(get));
    return new HygieneCloud(sim, runtime, stepFunctions, [dynamo, approvalServer, signIn.provider]);
  }

  /** The audit of the whole simulated organization (or the given targets), through the same code a deployment runs. */
  audit(targets: Target[], homeRegion: string): Promise<AuditReport> {
    return auditOrganization(this.runtime.clients, targets, { homeRegion, now: this.runtime.now() });
  }

  /**
   * Puts the organization in the state a recorded run left it (each `changed` association set to its recorded
   * `after`), directly through the simulated API: each sandbox command starts from the fixture, so undoing a run
   * from an earlier command first needs that run's changes back.
   */
  async replay(record: HygieneRunRecord): Promise<void> {
    for (const c of record.changes.filter((change) => change.outcome === 'changed' && change.after.status !== 'UNKNOWN')) {
      await this.runtime.clients.at(SecurityHubClient, { accountId: c.accountId, region: c.region, access: 'remediate' }).send(
        new BatchUpdateStandardsControlAssociationsCommand({
          StandardsControlAssociationUpdates: [
            {
              StandardsArn: c.standardsArn,
              SecurityControlId: c.securityControlId,
              AssociationStatus: c.after.status as 'ENABLED' | 'DISABLED',
              UpdatedReason: c.after.reason ?? c.reason,
            },
          ],
        }),
      );
    }
  }

  /** Runs one batch through the synthesized workflow, answering the approval email by `policy` through the real page. */
  async run(batch: HygieneBatchInput, policy: EmailPolicy, name = `hygiene-${randomBytes(6).toString('hex')}`): Promise<HygieneRunReport> {
    const before = failedFindingCounts(this.sim);
    const seen = new Set(this.sim.published);
    const emails: HygieneRunReport['emails'] = [];
    const answer = async (email: PublishedMessage) => {
      seen.add(email);
      const link = approvalLinkIn(email);
      const choice = link ? policy(email, link) : 'wait';
      if (!link || choice === 'wait') {
        emails.push({ subject: email.subject, link, answer: 'left unanswered' });
        return;
      }
      const status = await answerApproval(link, choice.decision, choice.approver, choice.reason);
      emails.push({ subject: email.subject, link, answer: `${choice.decision} by ${choice.approver} (HTTP ${status})` });
    };
    const execution: LocalExecution = this.stepFunctions.start(name, batch);
    let stopped = false;
    const done = execution.done.then(() => {
      stopped = true;
    });
    while (!stopped) {
      for (const email of this.sim.published.filter((m) => !seen.has(m))) await answer(email);
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
    const after = failedFindingCounts(this.sim);
    return {
      execution: {
        name: execution.name,
        status: execution.status,
        states: execution.states,
        ...(execution.error ? { error: execution.error } : {}),
      },
      record: execution.output as HygieneRunRecord | undefined,
      emails,
      failedFindings: { before, after, totalBefore: totalOf(before), totalAfter: totalOf(after) },
    };
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map((server) =>
        server instanceof LocalIdentityProvider ? server.stop() : new Promise<void>((resolve) => server.close(() => resolve())),
      ),
    );
  }
}
