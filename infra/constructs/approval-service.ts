import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { HubfixConfig } from '../../functions/platform/config';
import { SETTINGS_ENV } from '../../functions/platform/runtime';
import {
  acknowledgeApprovalApi,
  acknowledgeDeadLetterQueue,
  acknowledgeFunctionRole,
  acknowledgeLinkSecret,
  acknowledgeTopicPublisher,
} from '../nag-acknowledgements';
import { encryptedQueue } from './encrypted-queue';
import { grantAnnotateFindings } from './findings-access';
import { functionRole, HubfixFunction } from './hubfix-function';

/** The approval API's access log: what happened, to whom and from where, never the query string that holds the signature. */
export const APPROVAL_API_ACCESS_LOG_FIELDS = {
  requestId: apigateway.AccessLogField.contextRequestId(),
  extendedRequestId: apigateway.AccessLogField.contextExtendedRequestId(),
  ip: apigateway.AccessLogField.contextIdentitySourceIp(),
  requestTime: apigateway.AccessLogField.contextRequestTime(),
  httpMethod: apigateway.AccessLogField.contextHttpMethod(),
  resourcePath: apigateway.AccessLogField.contextResourcePath(),
  status: apigateway.AccessLogField.contextStatus(),
  protocol: apigateway.AccessLogField.contextProtocol(),
  responseLength: apigateway.AccessLogField.contextResponseLength(),
  responseLatency: apigateway.AccessLogField.contextResponseLatency(),
  wafStatus: apigateway.AccessLogField.contextWafStatus(),
} as const;
const API_STAGE = 'prod';

export interface ApprovalServiceProps {
  config: HubfixConfig;
  /** Encrypts the approval topic (shared with the operations topic). */
  notificationKey: kms.IKey;
}

/**
 * Approvals, server side: the approval store, the link-signing key, the approval topic with one email subscription per
 * configured approver (undeliverable emails to a DLQ), the RequestApproval step that stores the task token and emails
 * one link, and the approval API (GET renders the page, POST checks a signed decision and answers the waiting task)
 * behind stage throttling and a per-source-IP WAF rule. `answerTasksOf` names the state machines it may answer.
 */
export class ApprovalService extends Construct {
  readonly table: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly linkSecret: secretsmanager.Secret;
  /** Approval emails SNS could not deliver. */
  readonly notificationDlq: sqs.Queue;
  readonly api: apigateway.RestApi;
  /** The web ACL in front of the API (absent when `approvalApi.waf` is false). */
  readonly webAcl?: wafv2.CfnWebACL;
  /** The links' base: `<base>/approvals/<approvalId>?...`. */
  readonly baseUrl: string;
  readonly requestApproval: HubfixFunction;
  readonly approvalApi: HubfixFunction;
  /** The approval API's role: it answers the waiting tasks `answerTasksOf` names. */
  readonly approvalApiRole: iam.Role;

  constructor(scope: Construct, id: string, props: ApprovalServiceProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);

    this.notificationDlq = encryptedQueue(this, 'NotificationDlq', { retentionPeriod: Duration.days(14) });
    acknowledgeDeadLetterQueue(this.notificationDlq, true);
    this.topic = new sns.Topic(this, 'ApprovalTopic', {
      displayName: 'hubfix approvals',
      masterKey: props.notificationKey,
      enforceSSL: true,
    });
    for (const email of config.approvers.emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue: this.notificationDlq }));
    }
    this.table = new dynamodb.Table(this, 'ApprovalTable', {
      partitionKey: { name: 'approvalId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    this.linkSecret = new secretsmanager.Secret(this, 'LinkSigningKey', {
      description: 'hubfix: HMAC key that signs approval links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledgeLinkSecret(this.linkSecret);

    // --- The approval API: read and conditionally update the approval, read the key, answer the waiting task. ---
    this.approvalApiRole = functionRole(this, 'ApprovalApiRole', 'hubfix approval API: checks a decision and answers the waiting task');
    this.approvalApiRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [this.table.tableArn] }),
    );
    this.grantReadLinkKey(this.approvalApiRole);
    acknowledgeFunctionRole(this.approvalApiRole);
    this.approvalApi = new HubfixFunction(this, 'ApprovalApi', {
      entry: 'handlers/approval-api.ts',
      description: 'hubfix: approval page (GET) and signed decision (POST)',
      role: this.approvalApiRole,
      timeout: Duration.seconds(15),
      config,
      environment: { [SETTINGS_ENV.approvalTableName]: this.table.tableName, [SETTINGS_ENV.linkSecretId]: this.linkSecret.secretArn },
    });
    this.api = this.restApi(this.approvalApi);
    this.baseUrl = `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${API_STAGE}`;
    // One client cannot starve the approvers: a WAF rate-based rule per source IP in front of the shared stage throttle.
    if (config.approvalApi.waf) this.webAcl = this.rateLimitPerSourceIp(this.api.deploymentStage, config.approvalApi.rateLimitPer5Minutes);
    acknowledgeApprovalApi(this.api, { waf: config.approvalApi.waf });

    // --- RequestApproval: put the approval, publish the email (the topic key is granted with it), read the key. ---
    const requestRole = functionRole(this, 'RequestApprovalRole', 'hubfix request-approval: stores the approval and emails the link');
    grantAnnotateFindings(requestRole);
    requestRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.table.tableArn] }));
    this.topic.grantPublish(requestRole);
    acknowledgeTopicPublisher(requestRole);
    this.grantReadLinkKey(requestRole);
    acknowledgeFunctionRole(requestRole);
    this.requestApproval = new HubfixFunction(this, 'RequestApproval', {
      entry: 'handlers/request-approval.ts',
      description: 'hubfix: stores the task token server-side and emails one approval link',
      role: requestRole,
      timeout: Duration.seconds(30),
      config,
      environment: {
        [SETTINGS_ENV.approvalTableName]: this.table.tableName,
        [SETTINGS_ENV.approvalTopicArn]: this.topic.topicArn,
        [SETTINGS_ENV.linkSecretId]: this.linkSecret.secretArn,
        [SETTINGS_ENV.approvalBaseUrl]: this.baseUrl,
      },
    });
  }

  /** The approval API answers the waiting task of this state machine (and of no other it is not told about). */
  answerTasksOf(stateMachine: sfn.IStateMachine): void {
    this.approvalApiRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [stateMachine.stateMachineArn] }),
    );
  }

  /** Signing or checking a link: read the key, nothing else on the secret. */
  grantReadLinkKey(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.linkSecret.secretArn] }),
    );
  }

  /**
   * GET and POST /approvals/{approvalId}, regional, throttled. The link's signature travels in the query string: no
   * X-Ray tracing on the stage (a trace records the request URL) and an access log of named fields that carry no query
   * string ($context.resourcePath is the template /approvals/{approvalId}; $context.path, the request line and the
   * override variables are left out).
   */
  private restApi(handler: HubfixFunction): apigateway.RestApi {
    const accessLogs = new logs.LogGroup(this, 'ApprovalApiAccessLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const api = new apigateway.RestApi(this, 'ApprovalRestApi', {
      description: 'hubfix approval links: GET shows the decision page, POST records a signed decision',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: {
        stageName: API_STAGE,
        throttlingRateLimit: 10,
        throttlingBurstLimit: 20,
        tracingEnabled: false,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(APPROVAL_API_ACCESS_LOG_FIELDS)),
      },
    });
    const requireApprovalId = new apigateway.RequestValidator(this, 'ApprovalRequestValidator', {
      restApi: api,
      validateRequestParameters: true,
    });
    const approval = api.root.addResource('approvals').addResource('{approvalId}');
    const integration = new apigateway.LambdaIntegration(handler);
    for (const method of ['GET', 'POST']) {
      approval.addMethod(method, integration, {
        requestParameters: { 'method.request.path.approvalId': true },
        requestValidator: requireApprovalId,
      });
    }
    return api;
  }

  /**
   * A REGIONAL web ACL with one rate-based rule (requests per source IP in 5 minutes; over the limit, blocked until
   * the rate falls), associated with the stage. Sampled requests are off: they would keep request URIs for hours.
   */
  private rateLimitPerSourceIp(stage: apigateway.Stage, limit: number): wafv2.CfnWebACL {
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: false,
    });
    const webAcl = new wafv2.CfnWebACL(this, 'ApprovalApiWebAcl', {
      description: 'hubfix approval API: per-source-IP rate limit',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('hubfix-approval-api'),
      rules: [
        {
          name: 'RateLimitPerSourceIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit, evaluationWindowSec: 300 } },
          visibilityConfig: visibility('hubfix-approval-api-rate-limit'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'ApprovalApiWebAclAssociation', { resourceArn: stage.stageArn, webAclArn: webAcl.attrArn });
    return webAcl;
  }
}
