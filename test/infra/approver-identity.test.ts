import { Match, type Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../functions/platform/config';
import { SETTINGS_ENV } from '../../functions/platform/runtime';
import type { HubfixStack } from '../../infra/hubfix-stack';
import { logicalId, synthHubfix, TEST_CONFIG } from './synth';

describe('approver identity (issue 14)', () => {
  describe('by default: a Cognito user pool', () => {
    let template: Template;
    let stack: HubfixStack;
    let cleanup: () => void;

    beforeAll(() => {
      ({ template, stack, cleanup } = synthHubfix(
        parseConfig({ ...TEST_CONFIG, approvalPolicy: { rules: [{ controlIds: ['IAM.3'], approverGroups: ['iam-owners'] }] } }),
      ));
    });
    afterAll(() => cleanup());

    it('creates a pool without self sign-up, with MFA required, hosted sign-in and one group per approver group', () => {
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        MfaConfiguration: 'ON',
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      });
      template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
      for (const group of ['hubfix-approvers', 'iam-owners']) {
        template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: group });
      }
    });

    it('registers the approval page as a code-flow client whose only callback is the approval API', () => {
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: true,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthScopes: Match.arrayWith(['openid', 'email', 'profile']),
        CallbackURLs: [
          {
            'Fn::Join': [
              '',
              Match.arrayWith(['https://', { Ref: logicalId(stack.approvalApi) }, Match.stringLikeRegexp('/prod/auth/callback$')]),
            ],
          },
        ],
      });
    });

    it('hands the approval page its issuer, client and client secret (in Secrets Manager)', () => {
      const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack.functions.approvalApi)];
      const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(JSON.stringify(variables[SETTINGS_ENV.authIssuer])).toContain('cognito-idp.');
      expect(variables[SETTINGS_ENV.authClientId]).toBeDefined();
      expect(variables[SETTINGS_ENV.authClientSecretId]).toEqual({ Ref: expect.stringMatching(/ClientSecret/) });
    });

    it('lets only the configured approver addresses subscribe to the approval topic, and only by email', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: logicalId(stack.approvalTopic) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'OnlyConfiguredApproversSubscribe',
              Effect: 'Deny',
              Action: 'sns:Subscribe',
              Condition: { StringNotEqualsIgnoreCase: { 'sns:Endpoint': ['secops@example.com', 'platform@example.com'] } },
            }),
            Match.objectLike({
              Sid: 'ApproversSubscribeByEmailOnly',
              Effect: 'Deny',
              Action: 'sns:Subscribe',
              Condition: { StringNotEquals: { 'sns:Protocol': 'email' } },
            }),
          ]),
        },
      });
    });

    it('adds GET /approvals/{approvalId}/sign-in and GET /auth/callback', () => {
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'sign-in' });
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'callback' });
    });
  });

  describe('with a configured issuer (e.g. Okta or Entra ID)', () => {
    it('creates no user pool and reads the client secret the operator stored', () => {
      const { template, stack, cleanup } = synthHubfix(
        parseConfig({
          ...TEST_CONFIG,
          approvalAuth: {
            issuer: 'https://example.okta.com/oauth2/default',
            clientId: '0oa1example',
            clientSecretId: 'hubfix/okta-client-secret',
            groupsClaim: 'groups',
          },
        }),
      );
      try {
        template.resourceCountIs('AWS::Cognito::UserPool', 0);
        const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack.functions.approvalApi)];
        expect(fn.Properties.Environment.Variables).toMatchObject({
          [SETTINGS_ENV.authIssuer]: 'https://example.okta.com/oauth2/default',
          [SETTINGS_ENV.authClientId]: '0oa1example',
        });
      } finally {
        cleanup();
      }
    });
  });

  describe('with federated identity providers in the Cognito user pool', () => {
    it('synthesizes the whole stack under cdk-nag with IAM Identity Center (SAML) and Entra ID (OIDC)', () => {
      const { template, cleanup } = synthHubfix(
        parseConfig({
          ...TEST_CONFIG,
          approvalAuth: {
            groupsClaim: 'custom:groups',
            federation: [
              { type: 'saml', name: 'IdentityCenter', metadataUrl: 'https://portal.sso.eu-west-1.amazonaws.com/saml/metadata/abc' },
              {
                type: 'oidc',
                name: 'EntraID',
                issuer: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0',
                clientId: '11111111-1111-1111-1111-111111111111',
                clientSecretId: 'hubfix/entra-client-secret',
              },
            ],
          },
        }),
      );
      try {
        template.resourceCountIs('AWS::Cognito::UserPoolIdentityProvider', 2);
        template.resourceCountIs('AWS::Cognito::UserPool', 1);
      } finally {
        cleanup();
      }
    });
  });

  it('refuses an issuer without its client id and secret, and an http issuer', () => {
    expect(() => parseConfig({ approvalAuth: { issuer: 'https://idp.example.com' } })).toThrow(
      /an issuer needs its clientId and clientSecretId/,
    );
    expect(() => parseConfig({ approvalAuth: { issuer: 'http://idp.example.com', clientId: 'a', clientSecretId: 'b' } })).toThrow(
      /approvalAuth.issuer/,
    );
  });
});
