import { createHash } from 'node:crypto';
import type { WorkflowInput } from '../findings/types';

/**
 * The Step Functions execution name: the same finding version and action always get the same name, so a
 * double click or an SQS redelivery cannot start a second execution. ≤ 80 chars of [A-Za-z0-9-_].
 */
export const executionName = (input: Pick<WorkflowInput, 'finding' | 'action'>): string => {
  const { finding, action } = input;
  const digest = createHash('sha256').update(`${finding.id}|${finding.updatedAt}|${action}`).digest('hex').slice(0, 40);
  const control = finding.controlId
    .replace(/\./g, '-')
    .replace(/[^A-Za-z0-9_-]/g, '')
    .slice(0, 80 - digest.length - action.length - 2);
  return `${control}-${action}-${digest}`;
};
