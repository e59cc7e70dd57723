import * as fs from 'node:fs';
import * as path from 'node:path';

/** The parts of a synthesized CloudFormation template this module reads. */
interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export interface SynthesizedStateMachine {
  logicalId: string;
  /** The definition exactly as deployed, `${Placeholder}`s still in it. */
  definition: string;
  /** Placeholder name → its CloudFormation value (e.g. `{ "Fn::GetAtt": ["Assess6311FDFB", "Arn"] }`). */
  substitutions: Record<string, unknown>;
}

/**
 * The state machine as `cdk synth` wrote it. `DefinitionBody.fromFile` ships the definition as an asset
 * (DefinitionS3Location): its copy in the cloud assembly is `asset.<key>`.
 */
export const readSynthesizedStateMachine = (assemblyDir: string, template: TemplateJson): SynthesizedStateMachine => {
  const machines = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const [logicalId, resource] = machines[0];
  const props = resource.Properties ?? {};
  const location = props.DefinitionS3Location as { Key?: unknown } | undefined;
  const definition =
    typeof props.DefinitionString === 'string'
      ? props.DefinitionString
      : typeof location?.Key === 'string'
        ? fs.readFileSync(path.join(assemblyDir, `asset.${location.Key}`), 'utf8')
        : undefined;
  if (definition === undefined) throw new Error(`state machine ${logicalId} has neither a literal DefinitionString nor an asset DefinitionS3Location`);
  return { logicalId, definition, substitutions: (props.DefinitionSubstitutions as Record<string, unknown> | undefined) ?? {} };
};

/** Replaces every `${Name}` with values[Name]; a placeholder without a value is an error, not a silent leftover. */
export const substitutePlaceholders = (definition: string, values: Record<string, string>): string =>
  definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for placeholder \${${name}}`);
    return value;
  });
