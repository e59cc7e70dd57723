import { defaultConfig, parseConfig, type HubfixConfig } from '../../functions/platform/config';
import { parseFixture } from '../../sandbox/fixture';
import { LocalCloud, type LocalCloudOptions } from '../../sandbox/local-cloud';
import { runEvent, type RunReport } from '../../sandbox/session';
import { synthesizeWorkflow, type SynthesizedWorkflow } from '../../sandbox/synthesized-definition';

/**
 * Workflow tests run the synthesized state machine (the deployed definition) on the local cloud, with
 * every task bound to its real handler and AWS served by the simulated account.
 */
export const HOME_ACCOUNT = '111111111111';
export const HOME_REGION = 'us-east-1';

const workflows = new Map<string, SynthesizedWorkflow>();
/** Synthesizing costs ~2 s: one per distinct configuration per test file. */
const workflowFor = (config: HubfixConfig): SynthesizedWorkflow => {
  const key = JSON.stringify(config);
  let workflow = workflows.get(key);
  if (!workflow) {
    workflow = synthesizeWorkflow(config, HOME_ACCOUNT, HOME_REGION);
    workflows.set(key, workflow);
  }
  return workflow;
};

/** A configuration whose approval wait ends after one second (for timeout tests). */
export const oneSecondApproval = (config: HubfixConfig = defaultConfig()): HubfixConfig => ({
  ...config,
  approval: { timeoutHours: 1 / 3600, linkLifetimeHours: 1 / 3600 },
});

/** Starts a local cloud on a fixture (raw JSON as in sandbox/fixtures; `accounts` keyed by account id). */
export const startCloud = async (
  fixture: unknown,
  config: HubfixConfig | Record<string, unknown> = {},
  options: Pick<LocalCloudOptions, 'functions' | 'slackUsers'> = {},
): Promise<LocalCloud> => {
  const parsedConfig = 'approvers' in config && 'thresholds' in config ? (config as HubfixConfig) : parseConfig(config);
  return LocalCloud.start({
    fixture: parseFixture({ homeAccountId: HOME_ACCOUNT, homeRegion: HOME_REGION, ...(fixture as object) }),
    config: parsedConfig,
    retryIntervalMs: 0,
    workflow: workflowFor(parsedConfig),
    ...options,
  });
};

export interface FindingSpec {
  controlId: string;
  resourceType: string;
  resourceId: string;
  accountId?: string;
  region?: string;
  details?: Record<string, unknown>;
  title?: string;
  /** Distinguishes two findings of one control and resource. */
  suffix?: string;
}

/** A consolidated-control ASFF finding, as Security Hub (CSPM) sends it. */
export const asffFinding = (spec: FindingSpec): Record<string, unknown> => {
  const accountId = spec.accountId ?? HOME_ACCOUNT;
  const region = spec.region ?? HOME_REGION;
  const id = `${spec.controlId}-${spec.resourceId}-${spec.suffix ?? ''}`.replace(/[^A-Za-z0-9-]/g, '').slice(-60);
  return {
    SchemaVersion: '2018-10-08',
    Id: `arn:aws:securityhub:${region}:${accountId}:security-control/${spec.controlId}/finding/${id}`,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: region,
    GeneratorId: `security-control/${spec.controlId}`,
    AwsAccountId: accountId,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    CreatedAt: '2026-11-01T08:00:00.000Z',
    UpdatedAt: '2026-11-20T08:00:00.000Z',
    Severity: { Label: 'MEDIUM', Normalized: 40 },
    Title: spec.title ?? `${spec.controlId} test finding`,
    Description: `${spec.controlId} test finding`,
    Resources: [
      {
        Type: spec.resourceType,
        Id: spec.resourceId,
        Partition: 'aws',
        Region: region,
        ...(spec.details ? { Details: spec.details } : {}),
      },
    ],
    Compliance: { Status: 'FAILED', SecurityControlId: spec.controlId },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
};

/** The EventBridge event the console sends when an analyst picks a custom action. */
export const customActionEvent = (findings: Record<string, unknown>[], actionId = 'HubfixRemediate'): Record<string, unknown> => ({
  version: '0',
  id: `event-${findings.length}-${actionId}`,
  'detail-type': 'Security Hub Findings - Custom Action',
  source: 'aws.securityhub',
  account: HOME_ACCOUNT,
  time: '2026-11-22T09:00:00Z',
  region: HOME_REGION,
  resources: [`arn:aws:securityhub:${HOME_REGION}:${HOME_ACCOUNT}:action/custom/${actionId}`],
  detail: { actionName: actionId, actionDescription: 'test', findings },
});

/** The event Security Hub sends when findings are imported (the automatic path). */
export const importedEvent = (findings: Record<string, unknown>[]): Record<string, unknown> => ({
  version: '0',
  id: `imported-${findings.length}`,
  'detail-type': 'Security Hub Findings - Imported',
  source: 'aws.securityhub',
  account: HOME_ACCOUNT,
  time: '2026-11-22T09:00:00Z',
  region: HOME_REGION,
  resources: findings.map((f) => String(f.Id)),
  detail: { findings },
});

export type Decision = 'approve' | 'reject' | 'none';

/** Sends the event through intake and runs every execution to its end; approval emails get `decision` through the real page. */
export const runToEnd = (cloud: LocalCloud, event: unknown, decision: Decision = 'none'): Promise<RunReport> =>
  runEvent(cloud, event, () => (decision === 'none' ? 'wait' : { decision, approver: 'ana', reason: `test ${decision}` }));

/** The status of a user's (first) access key as the simulated account holds it; undefined when there is no such user. */
export const keyStatus = (cloud: LocalCloud, user: string, accountId = HOME_ACCOUNT): string | undefined => {
  const iam = (cloud.sim.snapshot()[accountId]?.iam ?? {}) as Record<string, Record<string, string>>;
  return iam[`user/${user}`] ? Object.values(iam[`user/${user}`])[0] : undefined;
};

/** What hubfix wrote on a finding of the simulated Security Hub: its outcome field, workflow status and note. */
export const annotationOf = (
  cloud: LocalCloud,
  finding: Record<string, unknown>,
): { outcome?: string; workflowStatus?: string; note: string } => {
  const f = cloud.sim.finding(String(finding.Id), String(finding.ProductArn))?.finding as
    { Workflow?: { Status?: string }; Note?: { Text?: string }; UserDefinedFields?: Record<string, string> } | undefined;
  return { outcome: f?.UserDefinedFields?.['hubfix:outcome'], workflowStatus: f?.Workflow?.Status, note: f?.Note?.Text ?? '' };
};
