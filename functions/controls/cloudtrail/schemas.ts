import { ReadWriteType } from '@aws-sdk/client-cloudtrail';
import * as z from 'zod';
import { InvalidInputError } from '../../platform/errors';
import type { ChangeRecord, Plan } from '../../findings/types';
import type { ControlAssessment, ControlContext } from '../types';
import type { FindingRef } from '../../findings/types';

/**
 * The plans and change records of the CloudTrail family, one shape per control: CloudTrail.1 moves or creates a trail,
 * CloudTrail.2 and CloudTrail.4 set one trail setting, CloudTrail.7 sets the trail bucket's access logging. The family's
 * schema is their union (the shapes share no required field set, so a plan parses as exactly one); each control's steps
 * narrow it to their own shape and refuse the others.
 */

const trail = { trailArn: z.string(), homeRegion: z.string() };

/** A basic event selector as GetEventSelectors returns it (and PutEventSelectors takes it). */
const eventSelectorSchema = z.object({
  ReadWriteType: z.enum(ReadWriteType).optional(),
  IncludeManagementEvents: z.boolean().optional(),
  DataResources: z.array(z.object({ Type: z.string().optional(), Values: z.array(z.string()).optional() })).optional(),
  ExcludeManagementEventSources: z.array(z.string()).optional(),
});

/** What CloudTrail.1 looks at on one trail, and what remediation sets. */
export const trailStateSchema = z.object({
  multiRegion: z.boolean(),
  includeGlobalServiceEvents: z.boolean(),
  /** Basic event selectors, normalized. */
  eventSelectors: z.array(eventSelectorSchema),
  isLogging: z.boolean(),
});
export type TrailState = z.infer<typeof trailStateSchema>;

/** CloudTrail.1: update an existing trail to `TrailState` (observed: the trail as assessed), or create one. */
const trailPlanSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('update'), ...trail, ...trailStateSchema.shape, observed: trailStateSchema.optional() }),
  z.object({ kind: z.literal('create'), trailName: z.string(), homeRegion: z.string(), bucket: z.string() }),
]);
export type TrailPlan = z.infer<typeof trailPlanSchema>;

/**
 * CloudTrail.1 change sides: a trail and (except in the record of deleting a created trail) its settings; `created`
 * marks the trail hubfix created; `absent`: no trail (before a create, after rolling one back).
 */
const trailSideSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('update'),
    ...trail,
    multiRegion: z.boolean().optional(),
    includeGlobalServiceEvents: z.boolean().optional(),
    eventSelectors: z.array(eventSelectorSchema).optional(),
    isLogging: z.boolean().optional(),
    created: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('absent'), trailName: z.string(), homeRegion: z.string() }),
]);
export type TrailSide = z.infer<typeof trailSideSchema>;

/** One trail setting a control turns on: log file validation (CloudTrail.4) or the SSE-KMS key (CloudTrail.2, null: none). */
const trailSettingSchema = z.union([z.object({ logFileValidation: z.boolean() }), z.object({ kmsKeyId: z.string().nullable() })]);
export type TrailSetting = z.infer<typeof trailSettingSchema>;

/** CloudTrail.2 and .4: the setting to set; `observed` (plans since retries were made safe): the setting as assessed. */
const settingPlanSchema = z.object({ ...trail, setting: trailSettingSchema, observed: trailSettingSchema.optional() });
export type TrailSettingPlan = z.infer<typeof settingPlanSchema>;
const settingSideSchema = z.object({ ...trail, setting: trailSettingSchema });
export type TrailSettingSide = z.infer<typeof settingSideSchema>;

/** CloudTrail.7: where the trail bucket's access logs go (null: access logging off). */
const loggingTargetSchema = z.object({ targetBucket: z.string(), targetPrefix: z.string() });
export type LoggingTarget = z.infer<typeof loggingTargetSchema>;
const loggingPlanSchema = z.object({
  bucket: z.string(),
  logging: loggingTargetSchema.nullable(),
  observed: loggingTargetSchema.nullable().optional(),
});
export type LoggingPlan = z.infer<typeof loggingPlanSchema>;
const loggingSideSchema = z.object({ bucket: z.string(), logging: loggingTargetSchema.nullable() });
export type LoggingSide = z.infer<typeof loggingSideSchema>;

export const cloudTrailPlanSchema = z.union([trailPlanSchema, settingPlanSchema, loggingPlanSchema]);
export type CloudTrailPlan = z.infer<typeof cloudTrailPlanSchema>;
export const cloudTrailChangeSchema = z.union([trailSideSchema, settingSideSchema, loggingSideSchema]);
export type CloudTrailChange = z.infer<typeof cloudTrailChangeSchema>;

/** The steps of one control of the family, over the family's plans and change records. */
export interface CloudTrailSteps {
  assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<CloudTrailPlan>>;
  remediate(finding: FindingRef, plan: Plan<CloudTrailPlan>, ctx: ControlContext): Promise<ChangeRecord<CloudTrailChange>>;
  verify(finding: FindingRef, change: ChangeRecord<CloudTrailChange>, ctx: ControlContext): Promise<string>;
  rollback(finding: FindingRef, change: ChangeRecord<CloudTrailChange>, ctx: ControlContext): Promise<ChangeRecord<CloudTrailChange>>;
}

const refuse = (what: string): never => {
  throw new InvalidInputError(what);
};

export const trailPlanOf = (p: CloudTrailPlan): TrailPlan =>
  'kind' in p ? p : refuse('The plan does not say which trail to update or create');
export const trailSideOf = (side: CloudTrailChange): TrailSide =>
  'kind' in side ? side : refuse('The change record names no trail to verify');
export const settingPlanOf = (p: CloudTrailPlan): TrailSettingPlan =>
  'setting' in p ? p : refuse('The plan does not name a trail and the setting to change');
export const settingSideOf = (side: CloudTrailChange): TrailSettingSide =>
  'setting' in side ? side : refuse('The plan does not name a trail and the setting to change');
export const loggingPlanOf = (p: CloudTrailPlan): LoggingPlan =>
  'logging' in p ? p : refuse('The plan does not name a bucket and its logging target');
export const loggingSideOf = (side: CloudTrailChange): LoggingSide =>
  'logging' in side ? side : refuse('The plan does not name a bucket and its logging target');
