import { Lazy, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AUDIT_FINDING_INDEX, AUDIT_TIME_INDEX } from '../../functions/audit/audit';

/**
 * What nobody may do to the audit table: change or delete a record (directly, in a batch, or with PartiQL, whose INSERT
 * the writers do not use either), make records expire (TTL), or delete the table.
 */
export const AUDIT_TABLE_DENIED_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:DeleteTable',
];

/**
 * The audit trail: one record per run (remediation or control-hygiene batch), kept for years (no TTL), with
 * point-in-time recovery and deletion protection, retained when the stack goes. Records are written once and never
 * changed, and the table itself says so: its resource policy lets only the roles granted `grantWriteOnce` put records.
 */
export class AuditTrail extends Construct {
  readonly table: dynamodb.Table;
  private readonly writers: iam.IRole[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // The time index (constant partition, annotatedAt) serves "every run since".
    this.table = new dynamodb.Table(this, 'AuditTable', {
      partitionKey: { name: 'executionId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: AUDIT_TIME_INDEX,
      partitionKey: { name: 'auditPartition', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'annotatedAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // The run history of one finding (finding key, annotatedAt): Undo and loop protection read what hubfix did.
    this.table.addGlobalSecondaryIndex({
      indexName: AUDIT_FINDING_INDEX,
      partitionKey: { name: 'findingKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'annotatedAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.protectRecords();
  }

  /** Put records, and nothing else: the writer's code puts with attribute_not_exists(executionId) only. */
  grantWriteOnce(writer: iam.IRole): void {
    writer.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.table.tableArn] }));
    this.writers.push(writer);
  }

  /** The run history (the finding index), read only: hubfix's own records decide what it did before. */
  grantRunHistoryRead(reader: iam.IRole): void {
    reader.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${this.table.tableArn}/index/${AUDIT_FINDING_INDEX}`] }),
    );
  }

  /**
   * Write-once enforced by DynamoDB, not only by the conditional puts in the code: the table's resource policy denies
   * every principal (administrators included) the calls that change or remove a record, or the table, and denies
   * PutItem to everyone but the writers. An explicit deny in a resource policy wins over any identity policy's allow;
   * the writers' own PutItem is untouched by it (the condition excludes them), and their code only ever puts with
   * attribute_not_exists(executionId). What IAM cannot express is "only conditional puts": a writer role's credentials
   * could still overwrite a record with an unconditional PutItem, and point-in-time recovery (35 days) keeps the previous
   * version. Resource `*` in a table's resource policy means the table (the ARN would be a circular reference).
   */
  private protectRecords(): void {
    this.table.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AuditRecordsAreNeverChangedOrDeleted',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: AUDIT_TABLE_DENIED_ACTIONS,
        resources: ['*'],
      }),
    );
    this.table.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheAuditWritersPutRecords',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['dynamodb:PutItem'],
        resources: ['*'],
        // The writers are known once every part of the stack has granted its own: read them at synth.
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.writers.map((writer) => writer.roleArn) }) } },
      }),
    );
  }
}
