import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { HubfixConfig } from '../../functions/platform/config';
import { SETTINGS_ENV } from '../../functions/platform/runtime';
import { CALLBACK_PATH } from '../../functions/approval/approval-link';
import { acknowledgeApproverIdentity } from '../nag-acknowledgements';

export interface ApproverIdentityProps {
  config: HubfixConfig;
  /** The approval API and its `/approvals/{approvalId}` resource: the sign-in routes are added next to it. */
  api: apigateway.RestApi;
  approvalResource: apigateway.Resource;
  requestValidator: apigateway.IRequestValidator;
  /** The approval page's function and its base URL (https://…/prod): the callback URL is on it. */
  approvalFunction: lambda.Function;
  approvalBaseUrl: string;
  approvalTopic: sns.Topic;
}

/**
 * Who may decide (issue 14): the OpenID Connect issuer approvers sign in with, the approval page's client there, the
 * sign-in routes of the approval API, and a topic policy that lets only the configured approver addresses subscribe to
 * the approval emails. By default a Cognito user pool (no self sign-up, MFA required, hosted sign-in) with one group
 * per approver group the policy names; `approvalAuth.issuer` names any other OIDC issuer instead.
 */
export class ApproverIdentity extends Construct {
  readonly issuer: string;
  readonly userPool?: cognito.UserPool;
  readonly clientSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: ApproverIdentityProps) {
    super(scope, id);
    const { config, approvalFunction } = props;
    const callbackUrl = `${props.approvalBaseUrl}${CALLBACK_PATH}`;
    let clientId: string;
    if (config.approvalAuth.issuer) {
      this.issuer = config.approvalAuth.issuer;
      clientId = config.approvalAuth.clientId as string;
      const secretId = config.approvalAuth.clientSecretId as string;
      this.clientSecret = secretId.startsWith('arn:')
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'ClientSecret', secretId)
        : secretsmanager.Secret.fromSecretNameV2(this, 'ClientSecret', secretId);
    } else {
      const pool = this.cognitoUserPool(config);
      this.userPool = pool;
      const client = pool.addClient('ApprovalPageClient', {
        generateSecret: true,
        authFlows: {},
        preventUserExistenceErrors: true,
        supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
        oAuth: {
          flows: { authorizationCodeGrant: true },
          scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
          callbackUrls: [callbackUrl],
        },
        idTokenValidity: Duration.minutes(15),
        accessTokenValidity: Duration.minutes(15),
        refreshTokenValidity: Duration.hours(1),
      });
      this.issuer = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${pool.userPoolId}`;
      clientId = client.userPoolClientId;
      this.clientSecret = new secretsmanager.Secret(this, 'ClientSecret', {
        description: 'hubfix: the approval page client secret at the Cognito user pool',
        secretStringValue: client.userPoolClientSecret,
      });
      acknowledgeApproverIdentity(this);
    }
    this.clientSecret.grantRead(approvalFunction);
    approvalFunction.addEnvironment(SETTINGS_ENV.authIssuer, this.issuer);
    approvalFunction.addEnvironment(SETTINGS_ENV.authClientId, clientId);
    approvalFunction.addEnvironment(SETTINGS_ENV.authClientSecretId, this.clientSecret.secretArn);
    approvalFunction.addEnvironment(SETTINGS_ENV.approvalBaseUrl, props.approvalBaseUrl);

    // GET /approvals/{approvalId}/sign-in starts a sign-in; GET /auth/callback finishes it. Both only ever GET.
    const integration = new apigateway.LambdaIntegration(approvalFunction);
    props.approvalResource.addResource('sign-in').addMethod('GET', integration, {
      requestParameters: { 'method.request.path.approvalId': true },
      requestValidator: props.requestValidator,
    });
    props.api.root.addResource('auth').addResource('callback').addMethod('GET', integration);

    this.restrictSubscriptions(props.approvalTopic, config.approvers.emails);
  }

  private cognitoUserPool(config: HubfixConfig): cognito.UserPool {
    const pool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: 'hubfix-approvers',
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 14, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    pool.addDomain('SignInDomain', {
      cognitoDomain: { domainPrefix: config.approvalAuth.cognitoDomainPrefix ?? `hubfix-approvals-${Stack.of(this).account}` },
    });
    const groups = new Set([
      ...config.approvalPolicy.approverGroups,
      ...config.approvalPolicy.rules.flatMap((rule) => rule.approverGroups),
    ]);
    for (const group of [...groups].sort()) {
      new cognito.CfnUserPoolGroup(this, `Group${group.replace(/[^A-Za-z0-9]/g, '')}`, {
        userPoolId: pool.userPoolId,
        groupName: group,
        description: 'hubfix: members may decide approvals this group is named for (approvalPolicy)',
      });
    }
    return pool;
  }

  /** Only the configured approver addresses may subscribe, by email: anyone else who can call sns:Subscribe gets no links. */
  private restrictSubscriptions(topic: sns.Topic, emails: readonly string[]): void {
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyConfiguredApproversSubscribe',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Subscribe'],
        resources: [topic.topicArn],
        ...(emails.length > 0 ? { conditions: { StringNotEqualsIgnoreCase: { 'sns:Endpoint': [...emails] } } } : {}),
      }),
    );
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ApproversSubscribeByEmailOnly',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Subscribe'],
        resources: [topic.topicArn],
        conditions: { StringNotEquals: { 'sns:Protocol': 'email' } },
      }),
    );
  }
}
