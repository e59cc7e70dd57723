import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { approvalTimeoutSeconds, type HubfixConfig } from '../functions/platform/config';

export const STATE_MACHINE_FILE = path.join(__dirname, '..', 'statemachines', 'remediate-finding.asl.json');
/** The waiting state whose TimeoutSeconds comes from `approval.timeoutHours`. */
export const APPROVAL_STATE = 'RequestApproval';

/**
 * The workflow definition as deployed: the ASL file with the approval wait set from the configuration.
 * A number cannot come through definitionSubstitutions (they replace text inside JSON strings), and
 * TimeoutSecondsPath is read from different inputs by Step Functions and aws-local-stepfunctions, so
 * the number is written here, at synth, where both the deployment and the sandbox read it.
 */
export const definitionWithApprovalWait = (file: string, approvalState: string, config: HubfixConfig): string => {
  const definition = JSON.parse(readFileSync(file, 'utf8')) as { States: Record<string, Record<string, unknown>> };
  const approval = definition.States[approvalState];
  if (!approval) throw new Error(`${file} has no ${approvalState} state`);
  approval.TimeoutSeconds = approvalTimeoutSeconds(config);
  return JSON.stringify(definition, null, 2);
};

export const workflowDefinition = (config: HubfixConfig): string => definitionWithApprovalWait(STATE_MACHINE_FILE, APPROVAL_STATE, config);
