import { createHash } from 'node:crypto';
import type { CfnElement, Stack } from 'aws-cdk-lib';

/**
 * CDK's logical id of a path of construct ids below a stack (aws-cdk-lib core/lib/private/uniqueid.ts, which is not
 * exported): "Default" components hidden, a single component as is, otherwise the human part (repeated ids and "Resource"
 * dropped) followed by the first 8 hex digits of the MD5 of the path. test/infra/logical-ids.test.ts holds
 * it to CDK's own result.
 */
export const cdkLogicalId = (path: readonly string[]): string => {
  const components = path.filter((component) => component !== 'Default');
  if (components.length === 0) throw new Error('a logical id needs at least one path component');
  const alphanumeric = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
  if (components.length === 1 && alphanumeric(components[0]).length <= 255) return alphanumeric(components[0]);
  const hash = createHash('md5').update(components.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const component of components) if (human.length === 0 || !human[human.length - 1].endsWith(component)) human.push(component);
  return (
    human
      .filter((component) => component !== 'Resource')
      .map(alphanumeric)
      .join('')
      .slice(0, 240) + hash
  );
};

/**
 * The logical id of an element when the stack's children with the given ids are left out of its path: the parts the
 * stack was split into (infra/hubfix-stack.ts) keep the ids their resources had when they sat at the stack's top level,
 * so the split replaces nothing on deploy (a new logical id is a new resource: a new table, state machine, topic, queue,
 * API).
 */
export const logicalIdWithout = (stack: Stack, element: CfnElement, transparentChildren: ReadonlySet<string>): string => {
  const scopes = element.node.scopes;
  const below = scopes.slice(scopes.indexOf(stack) + 1);
  const path = below.map((scope) => scope.node.id);
  return cdkLogicalId(below.length > 1 && transparentChildren.has(path[0]) ? path.slice(1) : path);
};
