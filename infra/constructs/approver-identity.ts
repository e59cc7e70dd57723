import { Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { FederatedProvider, HubfixConfig } from '../../functions/platform/config';
import { SETTINGS_ENV } from '../../functions/platform/runtime';
import { CALLBACK_PATH } from '../../functions/approval/approval-link';
import { acknowledgeApproverIdentity } from '../nag-acknowledgements';

/** The pool's custom attribute for federated people's groups: ID tokens carry it as `custom:groups`. */
export const GROUPS_ATTRIBUTE = 'groups';

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
      const federated = config.approvalAuth.federation.map((provider) => this.federatedProvider(pool, provider));
      const client = pool.addClient('ApprovalPageClient', {
        generateSecret: true,
        authFlows: {},
        preventUserExistenceErrors: true,
        supportedIdentityProviders: [
          cognito.UserPoolClientIdentityProvider.COGNITO,
          ...federated.map((provider) => cognito.UserPoolClientIdentityProvider.custom(provider.providerName)),
        ],
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
      // Federated people's groups (only with federation: a custom attribute cannot be removed from a pool once added).
      ...(config.approvalAuth.federation.length > 0
        ? { customAttributes: { [GROUPS_ATTRIBUTE]: new cognito.StringAttribute({ mutable: true, maxLen: 2048 }) } }
        : {}),
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

  /**
   * One federated identity provider of the pool: its email goes to the pool's email, its groups to `custom:groups`
   * (mutable, so every sign-in refreshes them from the provider), which the ID token carries to the approval page.
   */
  private federatedProvider(pool: cognito.UserPool, provider: FederatedProvider): cognito.IUserPoolIdentityProvider {
    const attributeMapping: cognito.AttributeMapping = {
      email: cognito.ProviderAttribute.other(provider.attributes.email),
      // CloudFormation names a custom attribute with its prefix (custom:groups); CDK passes the key as written.
      custom: { [`custom:${GROUPS_ATTRIBUTE}`]: cognito.ProviderAttribute.other(provider.attributes.groups) },
    };
    const id = `Provider${provider.name.replace(/[^A-Za-z0-9]/g, '')}`;
    if (provider.type === 'saml') {
      return new cognito.UserPoolIdentityProviderSaml(this, id, {
        userPool: pool,
        name: provider.name,
        metadata: cognito.UserPoolIdentityProviderSamlMetadata.url(provider.metadataUrl),
        attributeMapping,
      });
    }
    return new cognito.UserPoolIdentityProviderOidc(this, id, {
      userPool: pool,
      name: provider.name,
      issuerUrl: provider.issuer,
      clientId: provider.clientId,
      // A dynamic reference: CloudFormation reads the secret at deploy time, the template never holds it.
      clientSecret: SecretValue.secretsManager(provider.clientSecretId).unsafeUnwrap(),
      scopes: ['openid', 'email', 'profile'],
      attributeRequestMethod: cognito.OidcAttributeRequestMethod.GET,
      attributeMapping,
    });
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
