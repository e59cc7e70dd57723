import { existsSync, readFileSync } from 'node:fs';
import { parseFindings } from '../../functions/findings/asff';
import { defaultConfig, parseConfig, type HubfixConfig } from '../../functions/platform/config';
import type { FindingRef } from '../../functions/findings/types';
import { pluginFor } from '../../functions/controls/registry';
import type { ControlPlugin } from '../../functions/controls/types';
import { parseFixture, type Fixture } from '../../sandbox/fixture';
import { scenarioFile } from '../support/scenario-files';
import { asffFinding, type FindingSpec } from '../support/workflow';

/**
 * Where the retry suite finds a control's scenarios: by convention the scenario in the control's folder
 * (functions/controls/<plugin id>/scenario.json, scenario-event.json and, if present, scenario.config.json), plus the
 * extra scenarios below for paths that scenario does not take. A control that changes something and has no scenario
 * makes the suite fail: a new control is covered as soon as its folder holds its scenario.
 */

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

/** The scenario in the plugin's folder, when there is one. */
const conventional = (pluginId: string): ScenarioSource[] => {
  const fixture = scenarioFile(pluginId, 'scenario.json');
  const event = scenarioFile(pluginId, 'scenario-event.json');
  const config = scenarioFile(pluginId, 'scenario.config.json');
  if (!existsSync(fixture) || !existsSync(event)) return [];
  return [
    {
      name: `scenarios/${pluginId}`,
      fixture: readJson(fixture),
      findings: readJson(event),
      ...(existsSync(config) ? { config: readJson(config) } : {}),
    },
  ];
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
  findings: [
    finding({
      controlId: 'CloudTrail.1',
      resourceType: 'AwsAccount',
      resourceId: 'AWS::::Account:444444444444',
      accountId: '444444444444',
    }),
  ],
  config: { cloudtrail: { trailBucket: 'org-cloudtrail-logs' } },
};

/** Scenarios beyond the convention, by plugin id. */
const EXTRA: Readonly<Record<string, ScenarioSource[]>> = {
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

/** Where a plugin's scenarios come from, raw: the scenario in its folder and the extras above. */
export const scenarioSourcesOf = (plugin: ControlPlugin): ScenarioSource[] => [...conventional(plugin.id), ...(EXTRA[plugin.id] ?? [])];

/** Every scenario of a plugin, with the findings it serves (none: the scenario does not exercise this plugin). */
export const scenariosOf = (plugin: ControlPlugin, sources: ScenarioSource[] = scenarioSourcesOf(plugin)): Scenario[] =>
  sources.map((source) => loadScenario(plugin, source)).filter((s) => s.findings.length > 0);
