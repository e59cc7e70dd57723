import * as z from 'zod';
import { fixtureDate, resolveDate, tagsSchema } from './dates';
import { arnPrefix } from './partitions';
import { defineModule, SimulatedServiceError, tagList } from './service';

const accessKey = z.object({
  accessKeyId: z.string().regex(/^AKIA[A-Z0-9]{12,}$/, 'an access key id such as AKIAIOSFODNN7EXAMPLE'),
  status: z.enum(['Active', 'Inactive']).default('Active'),
  createDate: fixtureDate,
  lastUsed: z
    .object({ date: fixtureDate, serviceName: z.string(), region: z.string() })
    .optional()
    .describe('Absent: the key was never used'),
});

const serviceAccess = z.object({
  serviceNamespace: z.string().describe('e.g. dynamodb'),
  serviceName: z.string().optional().describe('e.g. Amazon DynamoDB; absent: the namespace'),
  lastAuthenticated: fixtureDate,
  region: z.string().optional().describe('LastAuthenticatedRegion'),
});

const user = z.object({
  userName: z.string().min(1),
  path: z.string().default('/'),
  userId: z
    .string()
    .regex(/^AIDA[A-Z0-9]{12,}$/)
    .optional()
    .describe('Absent: derived from the user name'),
  createDate: fixtureDate.optional().describe('Absent: the oldest access key\u2019s, else the sandbox clock'),
  tags: tagsSchema,
  accessKeys: z.array(accessKey).default([]),
  serviceLastAccessed: z
    .array(serviceAccess)
    .default([])
    .describe('IAM access advisor: the services the user (any of its credentials) last authenticated to'),
  accessAdvisorPolls: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe("GetServiceLastAccessedDetails answers IN_PROGRESS this many times before COMPLETED for this user's job"),
});

/** A stable AIDA… id per name (IAM's unique ids are 21 characters, upper-case letters and digits). */
const derivedUserId = (userName: string): string => {
  let hash = 2166136261;
  for (const char of userName) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return `AIDA${hash.toString(36).toUpperCase().padStart(7, '0')}${'0'.repeat(10)}`.slice(0, 21);
};

/** A user exists before its keys: the fixture's date, else its oldest key's, else now. */
const userCreateDate = (u: z.infer<typeof user>, now: Date): Date => {
  if (u.createDate) return resolveDate(u.createDate, now);
  const keys = u.accessKeys.map((k) => resolveDate(k.createDate, now).getTime());
  return new Date(keys.length > 0 ? Math.min(...keys) : now.getTime());
};

interface AccessKeyState {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createDate: Date;
  lastUsed?: { date: Date; serviceName: string; region: string };
}

interface ServiceAccessState {
  serviceNamespace: string;
  serviceName: string;
  lastAuthenticated: Date;
  region?: string;
}

interface UserState {
  userName: string;
  path: string;
  userId: string;
  createDate: Date;
  tags: Record<string, string>;
  accessKeys: AccessKeyState[];
  serviceLastAccessed: ServiceAccessState[];
  accessAdvisorPolls: number;
}

interface AdvisorJob {
  accountId: string;
  userArn: string;
  created: Date;
  /** GetServiceLastAccessedDetails answers IN_PROGRESS this many more times before COMPLETED. */
  pendingPolls: number;
  services: ServiceAccessState[];
}

/** IAM users and their access keys (global: every region sees the same users). */
export const iamModule = defineModule({
  key: 'iam',
  clientName: 'IAMClient',
  fixture: z.object({ users: z.array(user).default([]) }).prefault({}),
  load: (fixture, now) =>
    new Map<string, UserState>(
      fixture.users.map((u) => [
        u.userName,
        {
          userName: u.userName,
          path: u.path,
          userId: u.userId ?? derivedUserId(u.userName),
          createDate: userCreateDate(u, now),
          tags: { ...u.tags },
          accessKeys: u.accessKeys.map((k) => ({
            accessKeyId: k.accessKeyId,
            status: k.status,
            createDate: resolveDate(k.createDate, now),
            lastUsed: k.lastUsed && { ...k.lastUsed, date: resolveDate(k.lastUsed.date, now) },
          })),
          serviceLastAccessed: u.serviceLastAccessed.map((a) => ({
            serviceNamespace: a.serviceNamespace,
            serviceName: a.serviceName ?? a.serviceNamespace,
            lastAuthenticated: resolveDate(a.lastAuthenticated, now),
            region: a.region,
          })),
          accessAdvisorPolls: u.accessAdvisorPolls,
        },
      ]),
    ),
  commands: (state, now) => {
    const jobs = new Map<string, AdvisorJob>();
    const user = (accountId: string, name: unknown): UserState => {
      const found = state(accountId).get(String(name));
      if (!found) throw new SimulatedServiceError('NoSuchEntityException', `The user with name ${String(name)} cannot be found.`);
      return found;
    };
    const keyOwner = (accountId: string, accessKeyId: unknown) => {
      for (const u of state(accountId).values()) {
        const key = u.accessKeys.find((k) => k.accessKeyId === accessKeyId);
        if (key) return { user: u, key };
      }
      return undefined;
    };
    return {
      GetUser: (input, ctx) => {
        const u = user(ctx.accountId, input.UserName);
        return {
          User: {
            UserName: u.userName,
            Path: u.path,
            UserId: u.userId,
            CreateDate: u.createDate,
            Arn: `${arnPrefix(ctx.region)}iam::${ctx.accountId}:user${u.path}${u.userName}`,
          },
        };
      },
      ListUserTags: (input, ctx) => ({ Tags: tagList(user(ctx.accountId, input.UserName).tags), IsTruncated: false }),
      ListAccessKeys: (input, ctx) => {
        const u = user(ctx.accountId, input.UserName);
        return {
          AccessKeyMetadata: u.accessKeys.map((k) => ({
            UserName: u.userName,
            AccessKeyId: k.accessKeyId,
            Status: k.status,
            CreateDate: k.createDate,
          })),
          IsTruncated: false,
        };
      },
      GetAccessKeyLastUsed: (input, ctx) => {
        const found = keyOwner(ctx.accountId, input.AccessKeyId);
        if (!found) throw new SimulatedServiceError('AccessDenied', `Access key ${String(input.AccessKeyId)} is not in this account`);
        const used = found.key.lastUsed;
        return {
          UserName: found.user.userName,
          AccessKeyLastUsed: used
            ? { LastUsedDate: used.date, ServiceName: used.serviceName, Region: used.region }
            : { ServiceName: 'N/A', Region: 'N/A' },
        };
      },
      // IAM access advisor for a user: a job, then its result (IN_PROGRESS until done), services never used left out.
      GenerateServiceLastAccessedDetails: (input, ctx) => {
        const arn = String(input.Arn);
        const match = /^arn:aws[\w-]*:iam::(\d{12}):user\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
        if (!match || match[1] !== ctx.accountId) throw new SimulatedServiceError('InvalidInputException', `Invalid ARN: ${arn}`);
        const u = user(ctx.accountId, match[2]);
        const jobId = `job-${jobs.size + 1}-${ctx.accountId}`;
        jobs.set(jobId, {
          accountId: ctx.accountId,
          userArn: arn,
          created: now(),
          pendingPolls: u.accessAdvisorPolls,
          services: u.serviceLastAccessed.map((a) => ({ ...a })),
        });
        return { JobId: jobId };
      },
      GetServiceLastAccessedDetails: (input, ctx) => {
        const job = jobs.get(String(input.JobId));
        if (!job || job.accountId !== ctx.accountId)
          throw new SimulatedServiceError('NoSuchEntityException', `No job with id ${String(input.JobId)}`);
        const base = { JobType: 'SERVICE_LEVEL', JobCreationDate: job.created };
        if (job.pendingPolls > 0) {
          job.pendingPolls -= 1;
          return { ...base, JobStatus: 'IN_PROGRESS', ServicesLastAccessed: [] };
        }
        return {
          ...base,
          JobStatus: 'COMPLETED',
          JobCompletionDate: now(),
          IsTruncated: false,
          ServicesLastAccessed: job.services.map((a) => ({
            ServiceName: a.serviceName,
            ServiceNamespace: a.serviceNamespace,
            LastAuthenticated: a.lastAuthenticated,
            LastAuthenticatedEntity: job.userArn,
            LastAuthenticatedRegion: a.region,
            TotalAuthenticatedEntities: 1,
          })),
        };
      },
      UpdateAccessKey: (input, ctx) => {
        const key = user(ctx.accountId, input.UserName).accessKeys.find((k) => k.accessKeyId === input.AccessKeyId);
        if (!key)
          throw new SimulatedServiceError('NoSuchEntityException', `The Access Key with id ${String(input.AccessKeyId)} cannot be found.`);
        if (input.Status !== 'Active' && input.Status !== 'Inactive')
          throw new SimulatedServiceError('ValidationError', `Invalid status ${String(input.Status)}`);
        key.status = input.Status;
        return {};
      },
    };
  },
  snapshot: (users) =>
    Object.fromEntries(
      [...users.values()].map((u) => [`user/${u.userName}`, Object.fromEntries(u.accessKeys.map((k) => [k.accessKeyId, k.status]))]),
    ),
});
