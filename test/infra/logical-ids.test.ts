import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { cdkLogicalId } from '../../infra/logical-ids';
import { buildApp } from '../../infra/build-app';
import { synthHubfix, TEST_CONFIG } from './synth';

/**
 * The logical ids the deployed stack has had since before it was split into parts. A changed id is a new resource to
 * CloudFormation: a new (empty) table, state machine, topic (subscriptions to confirm again), queue (messages lost),
 * signing key (every emailed link dead), approval API (a new URL in no email), function (its retained versions, which
 * waiting runs invoke, deleted with it); a role or custom action with a fixed name fails the deployment.
 */
const DEPLOYED_IDS: Record<string, string[]> = {
  'AWS::DynamoDB::Table': ['ApprovalTable499CB07A', 'AuditTableB07F8EEB', 'LockTableB9DACF42'],
  'AWS::StepFunctions::StateMachine': ['ControlHygieneStateMachineB30FB18C', 'RemediateFinding444C06AC'],
  'AWS::SNS::Topic': ['ApprovalTopic1D517B4C', 'OpsTopic1B68409C'],
  'AWS::Logs::LogGroup': [
    'AnnotateLogsD15175D9',
    'ApprovalApiAccessLogs25072BEB',
    'ApprovalApiLogsF4FCFC7A',
    'AssessLogsC560E112',
    'ControlHygieneApplyControlsLogs73864769',
    'ControlHygieneLogs02BA5517',
    'ControlHygienePrepareLogsF27EA4AC',
    'ControlHygieneRecordChangesLogs08030A16',
    'ControlHygieneRequestBatchApprovalLogsAFF8F9D8',
    'IntakeLogs61A499FC',
    'RemediateLogs85877C1D',
    'RequestApprovalLogs36D95E59',
    'VerifyLogs13DFEC9B',
    'WorkflowLogs6DD5EEB0',
  ],
  'AWS::SQS::Queue': ['IntakeDlq92EC1824', 'IntakeQueue4D8B07A5', 'NotificationDlq467FCAE6'],
  'AWS::KMS::Key': ['NotificationKey6F64DE1A'],
  'AWS::SecretsManager::Secret': ['LinkSigningKeyD9BC1425'],
  'AWS::Lambda::Function': [
    'Annotate8112CAE4',
    'ApprovalApi05B06EA1',
    'Assess6311FDFB',
    'ControlHygieneApplyControls6B7FDC32',
    'ControlHygienePrepareE086F730',
    'ControlHygieneRecordChangesDB550580',
    'ControlHygieneRequestBatchApprovalFB1DB40B',
    'IntakeA0CA28E8',
    'Remediate35D8A25D',
    'RequestApproval033EF131',
    'Verify04AA6CE7',
  ],
  'AWS::Lambda::EventSourceMapping': ['IntakeSqsEventSourceHubfixIntakeQueue71744DCBB233C2EE'],
  'AWS::ApiGateway::RestApi': ['ApprovalRestApi7D822386'],
  'AWS::ApiGateway::Stage': ['ApprovalRestApiDeploymentStageprodF2C82FDC'],
  'AWS::ApiGateway::Resource': ['ApprovalRestApiapprovals300D24E6', 'ApprovalRestApiapprovalsapprovalId16B86C14'],
  'AWS::ApiGateway::Method': ['ApprovalRestApiapprovalsapprovalIdGET60F72DC0', 'ApprovalRestApiapprovalsapprovalIdPOSTCE17358A'],
  'AWS::SecurityHub::ActionTarget': ['HubfixPlanAction', 'HubfixRemediateAction', 'HubfixUndoAction'],
  'AWS::WAFv2::WebACL': ['ApprovalApiWebAcl'],
  'AWS::WAFv2::WebACLAssociation': ['ApprovalApiWebAclAssociation'],
  'AWS::IAM::Role': [
    'AnnotateRoleDC65CA80',
    'ApprovalApiRoleF1B90BA9',
    'ControlHygieneApplyControlsRole3368CFF2',
    'ControlHygienePrepareRole7CEC5F2B',
    'ControlHygieneRecordChangesRoleA9ACD48B',
    'ControlHygieneRequestBatchApprovalRole2A96B68D',
    'ControlHygieneStateMachineRole42959BC0',
    'InspectRole13A4944D',
    'IntakeRole8913C69A',
    'RemediateFindingRole8F0D61B2',
    'RemediateRoleEBF333A7',
    'RequestApprovalRoleF0EAAF0A',
  ],
};

let template: Template;
let cleanup: () => void;

beforeAll(() => {
  ({ template, cleanup } = synthHubfix());
});
afterAll(() => cleanup());

describe('logical ids of the deployed resources', () => {
  it.each(Object.entries(DEPLOYED_IDS))('keeps every %s at the logical id it was deployed with', (type, ids) => {
    expect(Object.keys(template.findResources(type)).sort()).toEqual(ids);
  });

  it('keeps the approval subscriptions at their ids (a new one would wait for the approver to confirm it again)', () => {
    expect(Object.keys(template.findResources('AWS::SNS::Subscription'))).toContain('ApprovalTopicsecopsexamplecom0F1305BC');
  });

  it('gives two resources of different parts the same id never silently: the synth fails', () => {
    // Prepare: two parts, each with a child of the same id (the part ids are left out of the path)
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-logical-ids-'));
    const twins = buildApp({ outdir: path.join(tmp, 'cdk.out'), config: TEST_CONFIG, bundle: false });
    for (const part of ['Audit', 'Intake']) new CfnResource(twins.stack.node.findChild(part), 'Twin', { type: 'AWS::SQS::Queue' });

    try {
      // Act / Assess
      expect(() => twins.app.synth()).toThrow(/section 'Resources' already contains 'Twin'/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('cdkLogicalId', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-logical-ids-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('computes what CDK computes for a path (hidden "Default", dropped "Resource" and repeats, symbols, long ids)', () => {
    // Prepare
    const app = new App({ outdir: path.join(tmp, 'cdk.out') });
    const plain = new Stack(app, 'Plain');
    const paths = [
      ['Table'],
      ['Intake', 'Intake', 'Resource'],
      ['ApprovalRestApi', 'Default', 'approvals', '{approvalId}', 'GET', 'Resource'],
      ['Default', 'Queue'],
      ['Part', 'Role', 'DefaultPolicy', 'Resource'],
      ['Topic', 'secops@example.com', 'Resource'],
      ['x'.repeat(130), 'y'.repeat(130), 'Resource'],
      ['z'.repeat(260)],
    ];
    const elements = paths.map((ids) => {
      let scope: Construct = plain;
      for (const id of ids.slice(0, -1)) scope = (scope.node.tryFindChild(id) as Construct | undefined) ?? new Construct(scope, id);
      return { ids, element: new CfnResource(scope, ids[ids.length - 1], { type: 'AWS::SQS::Queue' }) };
    });

    // Assess
    for (const { ids, element } of elements) expect(cdkLogicalId(ids)).toBe(plain.getLogicalId(element));
  });
});
