import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { acknowledgeStateMachineRole } from './nag-acknowledgements';

/**
 * A run may wait days for an approval while hubfix is redeployed (docs/upgrades.md). Step Functions keeps running an
 * execution on the definition it started with; naming each task's function by the VERSION published with this
 * deployment makes that definition invoke the code it was deployed with too. `currentVersion` publishes a version
 * whenever the function's code or configuration changes (its logical id is a hash of both) and retains the old
 * ones, which waiting runs still name. Not an alias: the next deployment would move it under a waiting run.
 */
export const pinnedTaskSubstitutions = (functions: Record<string, lambda.Function>): Record<string, string> =>
  Object.fromEntries(Object.entries(functions).map(([placeholder, fn]) => [placeholder, fn.currentVersion.functionArn]));

/**
 * lambda:InvokeFunction for a state machine's role on every version of its task functions (`<arn>:*`), nothing else:
 * the role serves every definition version, so a waiting run must still be allowed its own older version. The
 * unqualified ARN stays granted for executions started on a definition from before versions were pinned (they invoke
 * $LATEST); drop it once none can be running, 8 days (the execution timeout) after the upgrade.
 */
export const grantInvokeTaskVersions = (stateMachine: sfn.StateMachine, functions: lambda.Function[]): void => {
  const everyVersion = functions.map((fn) => `${fn.functionArn}:*`);
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [...everyVersion, ...functions.map((fn) => fn.functionArn)] }),
  );
  acknowledgeStateMachineRole(stateMachine.role, everyVersion);
};
