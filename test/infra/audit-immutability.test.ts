import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { auditTableDefinition, putAuditRecord, type AuditRecord } from '../../functions/audit/audit';
import type { Runtime } from '../../functions/platform/runtime';
import { AUDIT_TABLE_DENIED_ACTIONS, type HubfixStack } from '../../infra/hubfix-stack';
import { settingsFor, testRuntime } from '../approval/fixtures';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { ACCOUNT, cfnResolver, evaluate, identityStatements, type Decision, type StatementJson } from './iam-evaluation';
import { logicalId, synthHubfix } from './synth';

let stack: HubfixStack;
let template: Template;
let cleanup: () => void;
beforeAll(() => {
  ({ stack, template, cleanup } = synthHubfix());
});
afterAll(() => cleanup());

const auditTableId = () => logicalId(stack.auditTable);
const resourcePolicyOf = (tableId: string) =>
  (template.toJSON().Resources[tableId].Properties.ResourcePolicy as { PolicyDocument: { Statement: StatementJson[] } } | undefined)
    ?.PolicyDocument.Statement ?? [];

describe('the audit table refuses overwrite and delete at the platform level', () => {
  it('has a resource policy denying every principal changes and deletes, and PutItem to all but the two writers', () => {
    // Prepare
    const writers = [stack.functions.annotate.role, stack.controlHygiene.recordRole].map((role) => ({
      'Fn::GetAtt': [logicalId(role as IConstruct), 'Arn'],
    }));

    // Act
    const statements = resourcePolicyOf(auditTableId());

    // Assess
    expect(statements).toEqual([
      {
        Sid: 'AuditRecordsAreNeverChangedOrDeleted',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: [...AUDIT_TABLE_DENIED_ACTIONS].sort(),
        Resource: '*',
      },
      {
        Sid: 'OnlyTheAuditWritersPutRecords',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'dynamodb:PutItem',
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': writers } },
      },
    ]);
    expect(AUDIT_TABLE_DENIED_ACTIONS).toEqual(
      expect.arrayContaining([
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:PartiQLUpdate',
        'dynamodb:PartiQLDelete',
        'dynamodb:DeleteTable',
      ]),
    );
  });
});

describe('an overwrite attempt against the synthesized policies (dynalite, authorized as IAM would)', () => {
  const ADMIN = `arn:aws:iam::${ACCOUNT}:role/AccountAdministrator`;
  const ADMIN_POLICY: StatementJson[] = [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }];
  let dynamo: LocalDynamo;
  let table: string;
  let writerArn: string;
  const decisions: { principal: string; action: string; decision: Decision }[] = [];

  /** A client that asks the synthesized policies before each call, and fails as DynamoDB does when IAM says no. */
  const clientAs = (principalArn: string, identity: StatementJson[]): DynamoDBClient => {
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const resourcePolicy = cfnResolver(template).resolve(resourcePolicyOf(table)) as StatementJson[];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const action = `dynamodb:${String(context.commandName).replace(/Command$/, '')}`;
        const decision = evaluate(
          { principalArn, action, resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${table}` },
          identity,
          resourcePolicy,
        );
        decisions.push({ principal: principalArn, action, decision });
        if (decision !== 'allow') {
          throw Object.assign(new Error(`User: ${principalArn} is not authorized to perform: ${action} (${decision})`), {
            name: 'AccessDeniedException',
            $fault: 'client',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'iamAuthorization' },
    );
    return client;
  };
  const runtimeAs = (client: DynamoDBClient): Runtime => ({
    ...testRuntime(client, 'approvals'),
    settings: { ...settingsFor('approvals'), auditTableName: table },
  });
  const record = (executionId: string, note: string) =>
    ({ executionId, auditPartition: 'runs', annotatedAt: '2025-03-01T12:10:00.000Z', note }) as unknown as AuditRecord;
  const stored = async (executionId: string) =>
    (await dynamo.client.send(new GetItemCommand({ TableName: table, Key: { executionId: { S: executionId } } }))).Item?.note?.S;

  beforeAll(async () => {
    dynamo = await startDynalite();
    table = auditTableId();
    writerArn = cfnResolver(template).arnOf(logicalId(stack.functions.annotate.role as IConstruct));
    await dynamo.client.send(new CreateTableCommand(auditTableDefinition(table)));
  });
  afterAll(async () => dynamo.stop());

  it(
    'lets the writer put a record (the deny does not lock it out), and refuses an administrator with dynamodb:* every overwrite, ' +
      'update and delete',
    async () => {
      // Prepare
      const writer = runtimeAs(clientAs(writerArn, identityStatements(template, logicalId(stack.functions.annotate.role as IConstruct))));
      expect(await putAuditRecord(writer, record('run-admin', 'what happened'))).toBe(true);
      const admin = clientAs(ADMIN, ADMIN_POLICY);
      const key = { executionId: { S: 'run-admin' } };

      // Act
      const attempts = [
        putAuditRecord(runtimeAs(admin), record('run-admin', 'rewritten')),
        admin.send(new PutItemCommand({ TableName: table, Item: { ...key, note: { S: 'rewritten' } } })),
        admin.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'SET note = :n',
            ExpressionAttributeValues: { ':n': { S: 'rewritten' } },
          }),
        ),
        admin.send(new DeleteItemCommand({ TableName: table, Key: key })),
        admin.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ DeleteRequest: { Key: key } }] } })),
      ];
      const results = await Promise.allSettled(attempts);

      // Assess
      for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: { name: 'AccessDeniedException' } });
      expect(decisions.filter((d) => d.principal === ADMIN).map((d) => d.decision)).toEqual(Array(attempts.length).fill('explicit-deny'));
      expect(await stored('run-admin')).toBe('what happened');
    },
  );

  it('refuses the writer itself every update and delete, by explicit deny', async () => {
    // Prepare
    const identity = identityStatements(template, logicalId(stack.functions.annotate.role as IConstruct));
    expect(await putAuditRecord(runtimeAs(clientAs(writerArn, identity)), record('run-writer', 'what happened'))).toBe(true);
    // Even if someone widened the writer's identity policy.
    const writer = clientAs(writerArn, [...identity, { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }]);
    const key = { executionId: { S: 'run-writer' } };

    // Act
    const results = await Promise.allSettled([
      writer.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'SET note = :n',
          ExpressionAttributeValues: { ':n': { S: 'rewritten' } },
        }),
      ),
      writer.send(new DeleteItemCommand({ TableName: table, Key: key })),
    ]);

    // Assess
    for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: { name: 'AccessDeniedException' } });
    expect(await stored('run-writer')).toBe('what happened');
  });
});
