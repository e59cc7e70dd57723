import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { parseConfig } from '../../../functions/platform/config';
import { groupsOf } from '../../../functions/approval/sign-in';
import { ApprovalService } from '../../../infra/constructs/approval-service';
import { ApproverIdentity } from '../../../infra/constructs/approver-identity';
import { TEST_CONFIG } from '../synth';
import { partStack } from './part-stack';

const IDENTITY_CENTER_METADATA = 'https://portal.sso.eu-west-1.amazonaws.com/saml/metadata/MTExMTExMTExMTExX2lucy0wMTIz';

/** The approver identity on its own stack, with the approval service it signs people in for. */
const approverIdentity = (approvalAuth: Record<string, unknown>) => {
  const { stack, cleanup } = partStack();
  const config = parseConfig({ ...TEST_CONFIG, approvalAuth });
  const approvals = new ApprovalService(stack, 'Approvals', { config, notificationKey: new kms.Key(stack, 'Key') });
  const identity = new ApproverIdentity(stack, 'ApproverIdentity', {
    config,
    api: approvals.api,
    approvalResource: approvals.approvalResource,
    requestValidator: approvals.requestValidator,
    approvalFunction: approvals.approvalApi,
    approvalBaseUrl: approvals.baseUrl,
    approvalTopic: approvals.topic,
  });
  return { template: Template.fromStack(stack), identity, cleanup };
};

describe('ApproverIdentity federation (issue 14)', () => {
  let cleanup: () => void;
  afterEach(() => cleanup());

  it('federates IAM Identity Center by SAML and Okta by OIDC, mapping email and groups, and lets the client use both', () => {
    // Prepare
    const built = approverIdentity({
      groupsClaim: 'custom:groups',
      federation: [
        { type: 'saml', name: 'IdentityCenter', metadataUrl: IDENTITY_CENTER_METADATA },
        {
          type: 'oidc',
          name: 'Okta',
          issuer: 'https://example.okta.com',
          clientId: '0oa1b2c3d4',
          clientSecretId: 'hubfix/okta-client-secret',
          attributes: { email: 'email', groups: 'okta_groups' },
        },
      ],
    });
    cleanup = built.cleanup;
    const { template } = built;

    // Assess: the providers and their mappings
    template.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'IdentityCenter',
      ProviderType: 'SAML',
      ProviderDetails: Match.objectLike({ MetadataURL: IDENTITY_CENTER_METADATA }),
      AttributeMapping: { email: 'email', 'custom:groups': 'groups' },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'Okta',
      ProviderType: 'OIDC',
      ProviderDetails: Match.objectLike({
        client_id: '0oa1b2c3d4',
        client_secret: '{{resolve:secretsmanager:hubfix/okta-client-secret:SecretString:::}}',
        oidc_issuer: 'https://example.okta.com',
        authorize_scopes: 'openid email profile',
      }),
      AttributeMapping: { email: 'email', 'custom:groups': 'okta_groups' },
    });
    // the pool holds the groups attribute the ID token carries as custom:groups
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([Match.objectLike({ Name: 'groups', AttributeDataType: 'String', Mutable: true })]),
    });
    // the approval page's client offers the pool's own sign-in and both providers (by Ref: created before it)
    const providers = template.findResources('AWS::Cognito::UserPoolIdentityProvider');
    const idOf = (name: string) => Object.keys(providers).find((id) => providers[id].Properties.ProviderName === name);
    const [client] = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    expect(client.Properties.SupportedIdentityProviders).toEqual(['COGNITO', { Ref: idOf('IdentityCenter') }, { Ref: idOf('Okta') }]);
  });

  it('adds no provider and no custom attribute without federation', () => {
    // Prepare
    const built = approverIdentity({});
    cleanup = built.cleanup;

    // Assess
    built.template.resourceCountIs('AWS::Cognito::UserPoolIdentityProvider', 0);
    const [pool] = Object.values(built.template.findResources('AWS::Cognito::UserPool'));
    expect(pool.Properties.Schema).toBeUndefined();
    const [client] = Object.values(built.template.findResources('AWS::Cognito::UserPoolClient'));
    expect(client.Properties.SupportedIdentityProviders).toEqual(['COGNITO']);
  });

  it('refuses federation next to an issuer of your own, and two providers of one name', () => {
    const okta = { type: 'saml', name: 'Okta', metadataUrl: 'https://example.okta.com/app/abc/sso/saml/metadata' };
    expect(() =>
      parseConfig({ approvalAuth: { issuer: 'https://idp.example.com', clientId: 'c', clientSecretId: 's', federation: [okta] } }),
    ).toThrow(/approvalAuth\.federation: federation is for the stack's Cognito user pool/);
    expect(() => parseConfig({ approvalAuth: { federation: [okta, okta] } })).toThrow(/each federated provider needs its own name/);
    expect(() => parseConfig({ approvalAuth: { federation: [{ ...okta, name: 'COGNITO' }] } })).toThrow(/Cognito reserves/);
  });
});

describe('the groups a federated person arrives with', () => {
  it.each([
    [
      ['hubfix-approvers', 'secops'],
      ['hubfix-approvers', 'secops'],
    ],
    ['[hubfix-approvers, secops]', ['hubfix-approvers', 'secops']],
    ['hubfix-approvers secops', ['hubfix-approvers', 'secops']],
    ['[]', []],
    [undefined, []],
  ])('%j reads as %j', (claim, groups) => {
    expect(groupsOf(claim)).toEqual(groups);
  });
});
