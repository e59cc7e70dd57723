import { Stack, type CfnResource } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { parseConfig } from '../../functions/platform/config';
import { HYGIENE_FUNCTIONS, type HygieneRole } from '../../infra/constructs/control-hygiene';
import type { HubfixStack } from '../../infra/hubfix-stack';
import { actionsOf, logicalId, roleStatements, synthHubfix, TEST_CONFIG } from '../infra/synth';

let stack: HubfixStack;
let template: Template;
let cleanup: () => void;

beforeAll(() => {
  // Template.fromStack synthesizes with the cdk-nag packs: an unacknowledged finding throws here.
  ({ stack, template, cleanup } = synthHubfix());
});
afterAll(() => cleanup());

const roleId = (role: HygieneRole): string => logicalId(stack.controlHygiene.functions[role].role as IConstruct);
const getAttArn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const allActions = (role: HygieneRole) => roleStatements(template, roleId(role)).flatMap(actionsOf);

describe('the control-hygiene state machine', () => {
  it('is a second standard state machine with X-Ray, logging without execution data, and a timeout', () => {
    // Assess
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: Match.absent(),
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      DefinitionSubstitutions: Object.fromEntries(
        Object.entries(HYGIENE_FUNCTIONS).map(([p, role]) => [
          p,
          {
            Ref: Stack.of(stack).resolve(
              (stack.controlHygiene.functions[role].currentVersion.node.defaultChild as CfnResource).logicalId,
            ) as string,
          },
        ]),
      ),
    });
    const props = template.findResources('AWS::StepFunctions::StateMachine')[logicalId(stack.controlHygiene.stateMachine)].Properties;
    const definition = JSON.parse(
      JSON.stringify(props.DefinitionString).includes('Fn::Join')
        ? (props.DefinitionString['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : '"x"')).join('')
        : props.DefinitionString,
    );
    expect(definition.TimeoutSeconds).toBe(691200);
    expect(definition.States.RequestApproval.TimeoutSeconds).toBe(TEST_CONFIG.approval.timeoutHours * 3600);
    expect(definition.States.ApplyPerAccount.MaxConcurrency).toBe(5);
  });

  it('may invoke every version of exactly its four functions (and, for runs started before versions, the functions)', () => {
    // Prepare
    const invokes = roleStatements(template, logicalId(stack.controlHygiene.stateMachine.role)).filter((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );

    // Assess
    expect(invokes).toHaveLength(1);
    const functions = Object.values(HYGIENE_FUNCTIONS).map((role) => getAttArn(logicalId(stack.controlHygiene.functions[role])));
    const expected = [...functions, ...functions.map((arn) => ({ 'Fn::Join': ['', [arn, ':*']] }))];
    expect(invokes[0].Resource).toEqual(expect.arrayContaining(expected));
    expect(invokes[0].Resource).toHaveLength(expected.length);
  });

  it('alarms the ops topic when a batch fails', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(stack.controlHygiene.stateMachine) } }],
      AlarmActions: [{ Ref: logicalId(stack.opsTopic) }],
    });
  });
});

describe('least privilege', () => {
  it(
    'applies through its own role (hubfix-admin-hygiene): the association actions and telemetry, no control action and no member ' +
      'role in a single account',
    () => {
      // Prepare
      const applyRole = roleId('applyControls');

      // Act
      const roleName = template.toJSON().Resources[applyRole].Properties.RoleName;

      // Assess
      expect(applyRole).not.toBe(logicalId(stack.functions.remediate.role as IConstruct));
      expect(roleName).toBe('hubfix-admin-hygiene');
      expect(new Set(allActions('applyControls'))).toEqual(
        new Set([
          'securityhub:BatchGetStandardsControlAssociations',
          'securityhub:BatchUpdateStandardsControlAssociations',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
        ]),
      );
      expect(
        roleStatements(template, logicalId(stack.functions.remediate.role as IConstruct))
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('securityhub:')),
      ).toEqual([]);
      for (const other of ['prepare', 'requestBatchApproval', 'recordChanges'] as const) {
        expect(allActions(other).filter((a) => a.startsWith('securityhub:') || a === 'sts:AssumeRole')).toEqual([]);
      }
    },
  );

  it('assumes only hubfix-hygiene in member accounts, inside the organization, when hubfix spans accounts', () => {
    // Prepare
    const synth = synthHubfix(
      parseConfig({ ...TEST_CONFIG, organization: { id: 'o-a1b2c3d4e5', administratorAccountId: '111111111111' } }),
    );
    try {
      const applyRole = Stack.of(synth.stack).getLogicalId(
        synth.stack.controlHygiene.functions.applyControls.role?.node.defaultChild as never,
      );

      // Act
      const assumes = roleStatements(synth.template, applyRole).filter((s) => actionsOf(s).includes('sts:AssumeRole'));

      // Assess
      expect(assumes).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/hubfix-hygiene']] },
          Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } },
        },
      ]);
    } finally {
      synth.cleanup();
    }
  });

  it('lets the batch approval put approvals, publish and read the link key, nothing else', () => {
    // Assess
    expect(new Set(allActions('requestBatchApproval'))).toEqual(
      new Set([
        'dynamodb:PutItem',
        'sns:Publish',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'secretsmanager:GetSecretValue',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
      ]),
    );
  });

  it('lets the approval API answer the hygiene state machine’s waiting task', () => {
    // Prepare
    const answers = roleStatements(template, logicalId(stack.functions.approvalApi.role as IConstruct)).filter((s) =>
      actionsOf(s).includes('states:SendTaskSuccess'),
    );

    // Assess
    expect(answers.flatMap((s) => [s.Resource].flat())).toEqual(
      expect.arrayContaining([{ Ref: logicalId(stack.controlHygiene.stateMachine) }]),
    );
  });
});

describe('optional Security Hub settings', () => {
  it('create nothing by default', () => {
    // Assess
    template.resourceCountIs('AWS::SecurityHub::Hub', 0);
    template.resourceCountIs('AWS::SecurityHub::Standard', 0);
  });

  it('enable Security Hub with consolidated control findings and CIS v3.0.0 when asked, before the custom actions', () => {
    // Prepare
    const synth = synthHubfix(parseConfig({ securityHub: { enable: true, enableCis30: true, consolidatedFindings: true } }));
    try {
      // Assess
      synth.template.hasResourceProperties('AWS::SecurityHub::Hub', {
        ControlFindingGenerator: 'SECURITY_CONTROL',
        EnableDefaultStandards: false,
      });
      const hubId = Object.keys(synth.template.findResources('AWS::SecurityHub::Hub'))[0];
      synth.template.hasResource('AWS::SecurityHub::Standard', {
        Properties: {
          StandardsArn: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':securityhub:',
                { Ref: 'AWS::Region' },
                '::standards/cis-aws-foundations-benchmark/v/3.0.0',
              ],
            ],
          },
        },
        DependsOn: [hubId],
      });
      for (const action of Object.values(synth.template.findResources('AWS::SecurityHub::ActionTarget')))
        expect(action.DependsOn).toContain(hubId);
    } finally {
      synth.cleanup();
    }
  });

  it('use standard-control findings unless consolidated findings are asked for', () => {
    // Prepare
    const synth = synthHubfix(parseConfig({ securityHub: { enable: true } }));
    try {
      // Assess
      synth.template.hasResourceProperties('AWS::SecurityHub::Hub', { ControlFindingGenerator: 'STANDARD_CONTROL' });
      synth.template.resourceCountIs('AWS::SecurityHub::Standard', 0);
    } finally {
      synth.cleanup();
    }
  });
});
