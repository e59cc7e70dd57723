import { randomUUID } from 'node:crypto';
import { resolveDate, type AccountFixture, type Fixture } from './fixture';

/**
 * A typed in-memory model of the AWS resources hubfix reads and changes, answering SDK commands by
 * name ("IAMClient", "ListAccessKeysCommand"). It mimics AWS where hubfix depends on it: error names,
 * pagination limits, what a change does to a later read. Unimplemented commands fail loudly.
 */

export interface SimContext {
  accountId: string;
  region: string;
}

type Command = (input: Record<string, unknown>, ctx: SimContext) => Promise<Record<string, unknown>> | Record<string, unknown>;
export type ServiceCommands = Record<string, Command>;

/** An error shaped like the SDK's service exceptions, so code under test sees what AWS would throw. */
export class SimulatedServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata = { httpStatusCode: 400 };
  readonly $retryable?: { throttling: boolean };
  constructor(name: string, message: string, options: { fault?: 'client' | 'server'; throttling?: boolean } = {}) {
    super(message);
    this.name = name;
    this.$fault = options.fault ?? 'client';
    if (options.throttling) this.$retryable = { throttling: true };
  }
}

interface AccessKeyState {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createDate: Date;
  lastUsed?: { date: Date; serviceName: string; region: string };
}

interface UserState {
  userName: string;
  path: string;
  tags: Record<string, string>;
  accessKeys: AccessKeyState[];
}

interface AccountState {
  name: string;
  users: Map<string, UserState>;
  events: { time: Date; source: string; name: string; accessKeyId?: string; userName?: string; ip: string; agent: string; region: string }[];
  instances: AccountFixture['ec2']['instances'];
}

export interface FindingRecord {
  finding: Record<string, unknown>;
  /** Every BatchUpdateFindings applied to it, oldest first (the sandbox shows the history). */
  updates: Record<string, unknown>[];
}

export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
  at: Date;
}

export class SimulatedAws {
  readonly accounts = new Map<string, AccountState>();
  readonly findings = new Map<string, FindingRecord>();
  readonly published: PublishedMessage[] = [];
  readonly secrets = new Map<string, string>();
  /** Every command served, in order: the bench counts API calls per finding from this. */
  readonly calls: { service: string; command: string; accountId: string; region: string }[] = [];
  private readonly services: Record<string, ServiceCommands>;

  constructor(
    fixture: Fixture,
    readonly now: () => Date,
  ) {
    for (const [accountId, account] of Object.entries(fixture.accounts)) this.addAccount(accountId, account);
    for (const finding of fixture.findings) this.importFinding(finding);
    this.services = {
      IAMClient: this.iam(),
      CloudTrailClient: this.cloudtrail(),
      EC2Client: this.ec2(),
      SecurityHubClient: this.securityHub(),
      SNSClient: this.sns(),
      SecretsManagerClient: this.secretsManager(),
    };
  }

  /** Adds extra command implementations (the local Step Functions serves SFNClient). */
  serve(clientName: string, commands: ServiceCommands): void {
    this.services[clientName] = commands;
  }

  async handle(clientName: string, commandName: string, input: Record<string, unknown>, ctx: SimContext): Promise<Record<string, unknown>> {
    this.calls.push({ service: clientName.replace(/Client$/, ''), command: commandName.replace(/Command$/, ''), ...ctx });
    const command = this.services[clientName]?.[commandName.replace(/Command$/, '')];
    if (!command) {
      throw new SimulatedServiceError('NotImplemented', `The simulated account does not implement ${clientName}.${commandName}`);
    }
    return command(input, ctx);
  }

  addAccount(accountId: string, fixture: AccountFixture): void {
    const now = this.now();
    this.accounts.set(accountId, {
      name: fixture.name,
      users: new Map(
        fixture.iam.users.map((u) => [
          u.userName,
          {
            userName: u.userName,
            path: u.path,
            tags: { ...u.tags },
            accessKeys: u.accessKeys.map((k) => ({
              accessKeyId: k.accessKeyId,
              status: k.status,
              createDate: resolveDate(k.createDate, now),
              lastUsed: k.lastUsed ? { ...k.lastUsed, date: resolveDate(k.lastUsed.date, now) } : undefined,
            })),
          },
        ]),
      ),
      events: fixture.cloudtrail.events.map((e) => ({
        time: resolveDate(e.eventTime, now),
        source: e.eventSource,
        name: e.eventName,
        accessKeyId: e.accessKeyId,
        userName: e.userName,
        ip: e.sourceIPAddress,
        agent: e.userAgent,
        region: e.region,
      })),
      instances: fixture.ec2.instances.map((i) => ({ ...i, tags: { ...i.tags } })),
    });
  }

  /** The state of every simulated resource a control can change, for before/after reports. */
  snapshot(): Record<string, { iam: Record<string, Record<string, string>> }> {
    return Object.fromEntries(
      [...this.accounts].map(([accountId, account]) => [
        accountId,
        { iam: Object.fromEntries([...account.users.values()].map((u) => [u.userName, Object.fromEntries(u.accessKeys.map((k) => [k.accessKeyId, k.status]))])) },
      ]),
    );
  }

  /** Puts a finding into the simulated Security Hub (as BatchImportFindings would). */
  importFinding(finding: Record<string, unknown>): void {
    const key = findingKey(String(finding.Id), String(finding.ProductArn));
    if (!this.findings.has(key)) this.findings.set(key, { finding: structuredClone(finding), updates: [] });
  }

  finding(id: string, productArn: string): FindingRecord | undefined {
    return this.findings.get(findingKey(id, productArn));
  }

  account(accountId: string): AccountState {
    const account = this.accounts.get(accountId);
    if (!account) throw new SimulatedServiceError('AccessDenied', `No credentials for account ${accountId} in the simulated organization`);
    return account;
  }

  user(accountId: string, userName: unknown): UserState {
    const user = this.account(accountId).users.get(String(userName));
    if (!user) throw new SimulatedServiceError('NoSuchEntityException', `The user with name ${String(userName)} cannot be found.`);
    return user;
  }

  private iam(): ServiceCommands {
    const findKey = (accountId: string, accessKeyId: unknown) => {
      for (const user of this.account(accountId).users.values()) {
        const key = user.accessKeys.find((k) => k.accessKeyId === accessKeyId);
        if (key) return { user, key };
      }
      return undefined;
    };
    return {
      GetUser: (input, ctx) => {
        const user = this.user(ctx.accountId, input.UserName);
        return { User: { UserName: user.userName, Path: user.path, Arn: `arn:aws:iam::${ctx.accountId}:user${user.path}${user.userName}` } };
      },
      ListUserTags: (input, ctx) => ({
        Tags: Object.entries(this.user(ctx.accountId, input.UserName).tags).map(([Key, Value]) => ({ Key, Value })),
        IsTruncated: false,
      }),
      ListAccessKeys: (input, ctx) => {
        const user = this.user(ctx.accountId, input.UserName);
        return {
          AccessKeyMetadata: user.accessKeys.map((k) => ({ UserName: user.userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createDate })),
          IsTruncated: false,
        };
      },
      GetAccessKeyLastUsed: (input, ctx) => {
        const found = findKey(ctx.accountId, input.AccessKeyId);
        if (!found) throw new SimulatedServiceError('AccessDenied', `Access key ${String(input.AccessKeyId)} is not in this account`);
        const used = found.key.lastUsed;
        return {
          UserName: found.user.userName,
          AccessKeyLastUsed: used
            ? { LastUsedDate: used.date, ServiceName: used.serviceName, Region: used.region }
            : { ServiceName: 'N/A', Region: 'N/A' },
        };
      },
      UpdateAccessKey: (input, ctx) => {
        const user = this.user(ctx.accountId, input.UserName);
        const key = user.accessKeys.find((k) => k.accessKeyId === input.AccessKeyId);
        if (!key) throw new SimulatedServiceError('NoSuchEntityException', `The Access Key with id ${String(input.AccessKeyId)} cannot be found.`);
        if (input.Status !== 'Active' && input.Status !== 'Inactive') {
          throw new SimulatedServiceError('ValidationError', `Invalid status ${String(input.Status)}`);
        }
        key.status = input.Status;
        return {};
      },
    };
  }

  private cloudtrail(): ServiceCommands {
    return {
      LookupEvents: (input, ctx) => {
        const attributes = (input.LookupAttributes ?? []) as { AttributeKey: string; AttributeValue: string }[];
        const start = input.StartTime ? new Date(input.StartTime as Date) : new Date(0);
        const end = input.EndTime ? new Date(input.EndTime as Date) : this.now();
        const max = Math.min(Number(input.MaxResults ?? 50), 50);
        const matches = this.account(ctx.accountId)
          .events.filter((e) => e.region === ctx.region && e.time >= start && e.time <= end)
          .filter((e) =>
            attributes.every((a) =>
              a.AttributeKey === 'AccessKeyId' ? e.accessKeyId === a.AttributeValue : a.AttributeKey === 'Username' ? e.userName === a.AttributeValue : true,
            ),
          )
          .sort((a, b) => b.time.getTime() - a.time.getTime());
        return {
          Events: matches.slice(0, max).map((e) => ({
            EventId: randomUUID(),
            EventName: e.name,
            EventTime: e.time,
            EventSource: e.source,
            AccessKeyId: e.accessKeyId,
            Username: e.userName,
            CloudTrailEvent: JSON.stringify({ sourceIPAddress: e.ip, userAgent: e.agent, eventSource: e.source, eventName: e.name }),
          })),
          NextToken: matches.length > max ? 'more' : undefined,
        };
      },
    };
  }

  private ec2(): ServiceCommands {
    return {
      DescribeInstances: (input, ctx) => {
        const filters = (input.Filters ?? []) as { Name: string; Values: string[] }[];
        const matchesFilter = (i: AccountFixture['ec2']['instances'][number], f: { Name: string; Values: string[] }) => {
          if (f.Name === 'private-ip-address') return i.privateIpAddress !== undefined && f.Values.includes(i.privateIpAddress);
          if (f.Name === 'ip-address') return i.publicIpAddress !== undefined && f.Values.includes(i.publicIpAddress);
          if (f.Name === 'instance-id') return f.Values.includes(i.instanceId);
          throw new SimulatedServiceError('InvalidParameterValue', `The simulated account does not support filter ${f.Name}`);
        };
        const ids = (input.InstanceIds ?? []) as string[];
        const instances = this.account(ctx.accountId)
          .instances.filter((i) => i.region === ctx.region)
          .filter((i) => ids.length === 0 || ids.includes(i.instanceId))
          .filter((i) => filters.every((f) => matchesFilter(i, f)));
        return {
          Reservations: instances.map((i) => ({
            Instances: [
              {
                InstanceId: i.instanceId,
                State: { Name: i.state },
                PrivateIpAddress: i.privateIpAddress,
                PublicIpAddress: i.publicIpAddress,
                Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
              },
            ],
          })),
        };
      },
    };
  }

  private securityHub(): ServiceCommands {
    return {
      BatchUpdateFindings: (input) => {
        const identifiers = (input.FindingIdentifiers ?? []) as { Id: string; ProductArn: string }[];
        const note = input.Note as { Text: string; UpdatedBy: string } | undefined;
        if (note && note.Text.length > 512) throw new SimulatedServiceError('InvalidInputException', 'Note.Text must be at most 512 characters');
        const processed: { Id: string; ProductArn: string }[] = [];
        const unprocessed: { FindingIdentifier: { Id: string; ProductArn: string }; ErrorCode: string; ErrorMessage: string }[] = [];
        for (const identifier of identifiers) {
          const record = this.finding(identifier.Id, identifier.ProductArn);
          if (!record) {
            unprocessed.push({ FindingIdentifier: identifier, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding not found' });
            continue;
          }
          const f = record.finding;
          if (note) f.Note = { ...note, UpdatedAt: this.now().toISOString() };
          if (input.Workflow) f.Workflow = { ...(input.Workflow as object) };
          if (input.UserDefinedFields) f.UserDefinedFields = { ...((f.UserDefinedFields as object) ?? {}), ...(input.UserDefinedFields as object) };
          record.updates.push({ ...input, at: this.now().toISOString() });
          processed.push(identifier);
        }
        return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
      },
      GetFindings: (input) => {
        const filters = (input.Filters ?? {}) as { Id?: { Value: string }[] };
        const ids = filters.Id?.map((f) => f.Value);
        return { Findings: [...this.findings.values()].map((r) => r.finding).filter((f) => !ids || ids.includes(String(f.Id))) };
      },
    };
  }

  private sns(): ServiceCommands {
    return {
      Publish: (input) => {
        const subject = input.Subject as string | undefined;
        if (subject && (subject.length > 100 || /[^\x20-\x7e]/.test(subject))) {
          throw new SimulatedServiceError('InvalidParameter', 'Invalid parameter: Subject');
        }
        this.published.push({ topicArn: String(input.TopicArn), subject, message: String(input.Message), at: this.now() });
        return { MessageId: randomUUID() };
      },
    };
  }

  private secretsManager(): ServiceCommands {
    return {
      GetSecretValue: (input) => {
        const value = this.secrets.get(String(input.SecretId));
        if (value === undefined) throw new SimulatedServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return { ARN: String(input.SecretId), Name: String(input.SecretId), SecretString: value, VersionId: 'v1' };
      },
    };
  }
}

const findingKey = (id: string, productArn: string): string => `${productArn}|${id}`;
