import { partitionOf } from '../../functions/platform/clients';
import { plugins } from '../../functions/controls/registry';
import type { ControlPlugin } from '../../functions/controls/types';
import { parseFixture } from '../../sandbox/fixture';
import type { ServedCall } from '../../sandbox/simulated-aws';
import { json, plannedCases, remediateIn, rollbackIn, undoneCheck, worldOf, type Case } from '../retry/harness';
import { scenarioSourcesOf, scenariosOf, type ScenarioSource } from '../retry/scenarios';

/**
 * Every control that changes something, run on its scenarios moved into the China and GovCloud partitions: the same
 * organization, findings and configuration with every region and ARN moved there (us-east-1 → cn-north-1 or
 * us-gov-west-1, eu-west-1 → cn-northwest-1 or us-gov-east-1, arn:aws: → arn:aws-cn: or arn:aws-us-gov:). The simulated
 * services build their ARNs in the partition of the region, so a control that hard-codes "arn:aws:" meets what AWS would
 * answer there. Each clean run must remediate, verify and roll back, and no call may go to a region of another
 * partition or carry an ARN of another partition; nor may the plan or the change records.
 */

const PARTITIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'aws-cn': { 'us-east-1': 'cn-north-1', 'eu-west-1': 'cn-northwest-1' },
  'aws-us-gov': { 'us-east-1': 'us-gov-west-1', 'eu-west-1': 'us-gov-east-1' },
};

/** A fixture, event or configuration with every region and ARN moved into `partition`. */
const moved = (value: unknown, partition: string): unknown => {
  const regions = PARTITIONS[partition];
  const pattern = new RegExp(`\\b(${Object.keys(regions).join('|')})\\b`, 'g');
  const walk = (item: unknown, key?: string): unknown => {
    if (typeof item === 'string')
      return key === 'Partition' && item === 'aws'
        ? partition
        : item.replace(/arn:aws:/g, `arn:${partition}:`).replace(pattern, (r) => regions[r]);
    if (Array.isArray(item)) return item.map((i) => walk(i));
    if (typeof item === 'object' && item !== null) return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, walk(v, k)]));
    return item;
  };
  return walk(value);
};

const movedSource = (source: ScenarioSource, partition: string): ScenarioSource => ({
  name: `${source.name} in ${partition}`,
  // Parsed first, so the regions the fixture leaves to its defaults (us-east-1) move too.
  fixture: moved(json(parseFixture(source.fixture, source.name)), partition),
  findings: moved(source.findings, partition),
  ...(source.config === undefined ? {} : { config: moved(source.config, partition) }),
});

/** What does not belong in `partition`: calls to a region of another partition, and ARNs of the aws partition. */
const foreignTo = (partition: string, calls: { call: ServedCall; input: string }[], records: unknown[]): string[] => [
  ...calls
    .filter(({ call }) => partitionOf(call.region) !== partition)
    .map(({ call }) => `${call.service}.${call.command} sent to ${call.region}`),
  ...calls
    .filter(({ input }) => input.includes('arn:aws:'))
    .map(({ call, input }) => `${call.service}.${call.command} with ${/arn:aws:[^"]*/.exec(input)?.[0]}`),
  ...records
    .map((r) => JSON.stringify(r))
    .filter((text) => text.includes('arn:aws:'))
    .map((text) => `a plan or record naming ${/arn:aws:[^"]*/.exec(text)?.[0]}`),
];

const changing = plugins.filter((plugin) => plugin.automation !== 'manual');

describe.each(Object.keys(PARTITIONS))('in partition %s', (partition: string) => {
  it.each(changing.map((plugin) => [plugin.id, plugin] as const))(
    '%s remediates, verifies and rolls back with ARNs and regions of the partition',
    async (_id: string, plugin: ControlPlugin) => {
      // Prepare
      const cases: Case[] = await plannedCases(
        plugin,
        scenariosOf(
          plugin,
          scenarioSourcesOf(plugin).map((source) => movedSource(source, partition)),
        ),
      );

      for (const c of cases) {
        const world = worldOf(c.scenario);
        const calls: { call: ServedCall; input: string }[] = [];
        world.sim.faults = (call, input) => {
          calls.push({ call, input: JSON.stringify(input) });
        };

        // Act
        const record = await remediateIn(plugin, world, c.finding, c.plan);
        const verified = await plugin.verify(c.finding, json(record), world.inspect);
        const rollback = await rollbackIn(plugin, world, c.finding, record);
        const undone = await undoneCheck(plugin, world, c.finding);

        // Assess
        expect({ how: c.label, region: c.finding.resource.region, partition: c.finding.resource.partition }).toEqual({
          how: c.label,
          region: expect.stringMatching(partition === 'aws-cn' ? /^cn-/ : /^us-gov-/),
          partition,
        });
        expect({ how: c.label, verified: typeof verified, undone }).toEqual({
          how: c.label,
          verified: 'string',
          undone: 'fails again as before the fix',
        });
        expect({ how: c.label, foreign: foreignTo(partition, calls, [c.plan, record, rollback]) }).toEqual({ how: c.label, foreign: [] });
      }
    },
  );
});
