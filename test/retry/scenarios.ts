import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFindings } from '../../functions/commons/asff';
import { defaultConfig, parseConfig, type HubfixConfig } from '../../functions/commons/config';
import type { FindingRef } from '../../functions/commons/types';
import { pluginFor } from '../../functions/controls/registry';
import type { ControlPlugin } from '../../functions/controls/types';
import { parseFixture, type Fixture } from '../../sandbox/fixture';
import { asffFinding, type FindingSpec } from '../support/workflow';

/**
 * Where the retry suite finds a control's scenarios: by convention the sandbox's own scenario for the plugin
 * (sandbox/fixtures/scenarios/<plugin id>.json, <plugin id>-event.json and, if present, <plugin id>.config.json),
 * plus the extra scenarios below for paths the sandbox scenario does not take. A control that changes something
 * and has no scenario makes the suite fail: a new control is covered as soon as its sandbox scenario exists.
 */

const ROOT = join(__dirname, '../..');
const SCENARIO_DIR = join(ROOT, 'sandbox/fixtures/scenarios');

export interface ScenarioSource {
  name: string;
  /** The simulated organization (raw JSON, as in sandbox/fixtures). */
  fixture: unknown;
  /** ASFF findings, or an EventBridge event carrying them. */
  findings: unknown;
  config?: unknown;
}

export interface Scenario {
  name: string;
  fixture: Fixture;
  config: HubfixConfig;
  /** The scenario's findings that this plugin serves. */
  findings: FindingRef[];
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** The sandbox scenario named after the plugin, when there is one. */
const conventional = (pluginId: string): ScenarioSource[] => {
  const fixture = join(SCENARIO_DIR, `${pluginId}.json`);
  const event = join(SCENARIO_DIR, `${pluginId}-event.json`);
  const config = join(SCENARIO_DIR, `${pluginId}.config.json`);
  if (!existsSync(fixture) || !existsSync(event)) return [];
  return [{ name: `scenarios/${pluginId}`, fixture: readJson(fixture), findings: readJson(event), ...(existsSync(config) ? { config: readJson(config) } : {}) }];
};

const finding = (spec: FindingSpec): Record<string, unknown> => asffFinding(spec);

/** CloudTrail.1 in an account with no trail at all: hubfix creates one (the path of the known StartLogging defect). */
const CLOUDTRAIL_CREATE: ScenarioSource = {
  name: 'cloudtrail create (own fixture)',
  fixture: {
    homeAccountId: '111111111111',
    homeRegion: 'us-east-1',
    accounts: { '111111111111': { name: 'security-tooling' }, '444444444444': { name: 'no-trail', trails: [] } },
  },
  findings: [finding({ controlId: 'CloudTrail.1', resourceType: 'AwsAccount', resourceId: 'AWS::::Account:444444444444', accountId: '444444444444' })],
  config: { cloudtrail: { trailBucket: 'org-cloudtrail-logs' } },
};

/** Scenarios beyond the convention, by plugin id. */
const EXTRA: Readonly<Record<string, ScenarioSource[]>> = {
  // The access-key plugin's scenario is the sandbox demo (keys of three users, one of them idle).
  'iam-access-keys': [{ name: 'demo', fixture: readJson(join(ROOT, 'sandbox/fixtures/demo-account.json')), findings: readJson(join(ROOT, 'sandbox/fixtures/demo-event.json')) }],
  cloudtrail: [CLOUDTRAIL_CREATE],
};

/** A scenario for this plugin: the organization, configuration and the findings of the source that the plugin serves. */
export const loadScenario = (plugin: ControlPlugin, source: ScenarioSource): Scenario => {
  const findings = parseFindings(source.findings).flatMap((result) => {
    if (!result.ok) throw new Error(`Scenario ${source.name} holds a finding hubfix cannot parse: ${result.reason}`);
    return pluginFor(result.finding.controlId)?.id === plugin.id ? [result.finding] : [];
  });
  return {
    name: source.name,
    fixture: parseFixture(source.fixture, source.name),
    config: source.config === undefined ? defaultConfig() : parseConfig(source.config, `${source.name} config`),
    findings,
  };
};

/** Where a plugin's scenarios come from, raw: the sandbox scenario named after it and the extras above. */
export const scenarioSourcesOf = (plugin: ControlPlugin): ScenarioSource[] => [...conventional(plugin.id), ...(EXTRA[plugin.id] ?? [])];

/** Every scenario of a plugin, with the findings it serves (none: the scenario does not exercise this plugin). */
export const scenariosOf = (plugin: ControlPlugin, sources: ScenarioSource[] = scenarioSourcesOf(plugin)): Scenario[] =>
  sources.map((source) => loadScenario(plugin, source)).filter((s) => s.findings.length > 0);
