import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { parseApprovalRequest, requestApproval, type RequestApprovalResult } from '../approval/request-approval';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';

export type { RequestApprovalInput, RequestApprovalResult } from '../approval/request-approval';
export { emailSubject } from '../approval/approval-email';

/** RequestApproval of both workflows (a finding's remediation, a control-hygiene batch): functions/approval/request-approval.ts. */
export const createRequestApprovalHandler = (runtime: () => Runtime) =>
  // logEvent stays off whatever the environment says: the input carries the task token.
  middy(async (event: unknown): Promise<RequestApprovalResult> => requestApproval(runtime(), parseApprovalRequest(event))).use(
    injectLambdaContext(logger, { clearState: true, logEvent: false }),
  );

export const handler = createRequestApprovalHandler(awsRuntime);
