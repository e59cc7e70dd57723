import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/**
 * Which AWS SDK commands each step of each control plugin can send, read from the source (no AWS, no type checker).
 *
 * A small call graph over functions/: a step (a plugin's `assess`, `verify`, `remediate`, `rollback`, plus
 * `resourceTags`, which Assess calls) reaches every top-level function and constant it names, transitively,
 * across imports. Function-valued members of object literals (the steps of a multi-control plugin, the
 * `read` / `put` / `remove` of an API object) are followed only through a property access of the same name, so
 * `verify` calling `api.read()` does not reach `api.put`. The result over-approximates (every branch counts),
 * which is what a permission check needs: a command a step can send is one its role must allow.
 */

export type Phase = 'assess' | 'verify' | 'remediate' | 'rollback';
export const PHASES: readonly Phase[] = ['assess', 'verify', 'remediate', 'rollback'];
/** Members a step object can have; `resourceTags` runs in Assess (functions/workflow/routing.ts). */
const PHASE_MEMBERS: Readonly<Record<Phase, readonly string[]>> = {
  assess: ['assess', 'resourceTags'],
  verify: ['verify'],
  remediate: ['remediate'],
  rollback: ['rollback'],
};

export interface SdkCommand {
  /** The package it comes from, e.g. "@aws-sdk/client-s3-control". */
  pkg: string;
  /** The command's exported name (not the local alias), e.g. "GetPublicAccessBlockCommand". */
  command: string;
  /** Where it is constructed: "functions/controls/shared/s3-bucket.ts:94". */
  at: string;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const rel = (file: string): string => path.relative(REPO_ROOT, file).split(path.sep).join('/');

interface ImportBinding {
  /** Absolute path of a project module, or the package name. */
  from: string;
  name: string;
  project: boolean;
}

interface Module {
  file: string;
  source: ts.SourceFile;
  /** Top-level functions and constants by name. */
  declarations: Map<string, ts.Node>;
  imports: Map<string, ImportBinding>;
}

const modules = new Map<string, Module>();

const resolveProjectModule = (from: string, specifier: string): string | undefined => {
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate));
};

const loadModule = (file: string): Module => {
  const cached = modules.get(file);
  if (cached) return cached;
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const module: Module = { file, source, declarations: new Map(), imports: new Map() };
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name) module.declarations.set(statement.name.text, statement);
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.initializer)
          module.declarations.set(declaration.name.text, declaration.initializer);
      }
    }
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && statement.importClause?.namedBindings) {
      const specifier = statement.moduleSpecifier.text;
      const project = specifier.startsWith('.') ? resolveProjectModule(file, specifier) : undefined;
      const bindings = statement.importClause.namedBindings;
      if (!ts.isNamedImports(bindings)) continue;
      for (const element of bindings.elements) {
        module.imports.set(element.name.text, {
          from: project ?? specifier,
          name: (element.propertyName ?? element.name).text,
          project: project !== undefined,
        });
      }
    }
  }
  // `const { XClient, XCommand } = await import('@aws-sdk/client-x')` (a client loaded where a step uses it) and
  // `const { assessKeys } = await import('./assess')` (a step's code loaded only by that step): bound as imports.
  const lazyImports = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isObjectBindingPattern(node.name) &&
      node.initializer &&
      ts.isAwaitExpression(node.initializer) &&
      ts.isCallExpression(node.initializer.expression) &&
      node.initializer.expression.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.initializer.expression.arguments.length === 1 &&
      ts.isStringLiteral(node.initializer.expression.arguments[0])
    ) {
      const specifier = node.initializer.expression.arguments[0].text;
      const project = specifier.startsWith('.') ? resolveProjectModule(file, specifier) : undefined;
      for (const element of node.name.elements) {
        const name = element.propertyName ?? element.name;
        if (ts.isIdentifier(element.name) && ts.isIdentifier(name))
          module.imports.set(element.name.text, { from: project ?? specifier, name: name.text, project: project !== undefined });
      }
    }
    ts.forEachChild(node, lazyImports);
  };
  lazyImports(source);
  modules.set(file, module);
  return module;
};

/** A top-level declaration a name in `module` refers to: its own, or the one it imports from a project module. */
const resolveName = (module: Module, name: string): { module: Module; node: ts.Node } | undefined => {
  const own = module.declarations.get(name);
  if (own) return { module, node: own };
  const imported = module.imports.get(name);
  if (!imported?.project) return undefined;
  const target = loadModule(imported.from);
  const node = target.declarations.get(imported.name);
  return node ? { module: target, node } : undefined;
};

const isFunctionNode = (node: ts.Node): boolean =>
  ts.isFunctionDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node);

/** Whether an object member's value is a function (followed only by name) rather than data (followed at once). */
const memberIsFunction = (module: Module, property: ts.ObjectLiteralElementLike): boolean => {
  if (ts.isMethodDeclaration(property)) return true;
  const value = ts.isShorthandPropertyAssignment(property)
    ? property.name
    : ts.isPropertyAssignment(property)
      ? property.initializer
      : undefined;
  if (!value) return false;
  if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) return true;
  if (ts.isIdentifier(value)) {
    const resolved = resolveName(module, value.text);
    return resolved !== undefined && isFunctionNode(resolved.node);
  }
  return false;
};

const memberName = (property: ts.ObjectLiteralElementLike): string | undefined =>
  property.name && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) ? property.name.text : undefined;

/** One traversal from a set of roots: the commands reached. */
class Reach {
  readonly commands: SdkCommand[] = [];
  private readonly visited = new Set<ts.Node>();
  private readonly wanted = new Set<string>();
  /** Function-valued object members seen so far, by name, waiting for a property access of that name. */
  private readonly members = new Map<string, { module: Module; node: ts.Node }[]>();

  visit(module: Module, node: ts.Node): void {
    if (this.visited.has(node)) return;
    this.visited.add(node);
    this.walk(module, node);
  }

  private member(module: Module, name: string, node: ts.Node): void {
    this.members.set(name, [...(this.members.get(name) ?? []), { module, node }]);
    if (this.wanted.has(name)) this.visit(module, node);
  }

  private want(name: string): void {
    if (this.wanted.has(name)) return;
    this.wanted.add(name);
    for (const { module, node } of this.members.get(name) ?? []) this.visit(module, node);
  }

  private reference(module: Module, name: string): void {
    const resolved = resolveName(module, name);
    if (resolved) this.visit(resolved.module, resolved.node);
  }

  private objectLiteral(module: Module, literal: ts.ObjectLiteralExpression): void {
    for (const property of literal.properties) {
      const name = memberName(property);
      if (name !== undefined && memberIsFunction(module, property)) {
        this.member(module, name, property);
        continue;
      }
      if (ts.isPropertyAssignment(property)) {
        if (ts.isComputedPropertyName(property.name)) this.walk(module, property.name.expression);
        this.walk(module, property.initializer);
      } else if (ts.isShorthandPropertyAssignment(property)) {
        this.reference(module, property.name.text);
      } else {
        this.walk(module, property);
      }
    }
  }

  private walk(module: Module, node: ts.Node): void {
    if (ts.isObjectLiteralExpression(node)) return this.objectLiteral(module, node);
    if (ts.isPropertyAccessExpression(node)) {
      this.walk(module, node.expression);
      return this.want(node.name.text);
    }
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
      const imported = module.imports.get(node.expression.text);
      if (imported && !imported.project && imported.from.startsWith('@aws-sdk/client-') && imported.name.endsWith('Command')) {
        const line = module.source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        this.commands.push({ pkg: imported.from, command: imported.name, at: `${rel(module.file)}:${line}` });
      }
    }
    if (ts.isIdentifier(node)) return this.identifier(module, node);
    ts.forEachChild(node, (child) => this.walk(module, child));
  }

  /** An identifier in expression position names a top-level declaration (locals shadowing one only add reach). */
  private identifier(module: Module, node: ts.Identifier): void {
    const parent = node.parent;
    const isDeclarationName =
      (ts.isVariableDeclaration(parent) ||
        ts.isParameter(parent) ||
        ts.isFunctionDeclaration(parent) ||
        ts.isBindingElement(parent) ||
        ts.isPropertyAssignment(parent) ||
        ts.isMethodDeclaration(parent) ||
        ts.isPropertySignature(parent)) &&
      parent.name === node;
    if (isDeclarationName || ts.isTypeReferenceNode(parent) || ts.isImportSpecifier(parent) || ts.isQualifiedName(parent)) return;
    this.reference(module, node.text);
  }

  /** Walks the value of an object member: a method's body, or the expression a property holds. */
  root(module: Module, property: ts.ObjectLiteralElementLike): void {
    if (ts.isShorthandPropertyAssignment(property)) this.reference(module, property.name.text);
    else this.visit(module, ts.isPropertyAssignment(property) ? property.initializer : property);
  }
}

const CONTROLS_DIR = path.join(REPO_ROOT, 'functions', 'controls');

/** The source files of a folder and its subfolders (a control folder, shared/), tests left out. */
const sourceFiles = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .sort();

/** Every object literal in a file. */
const objectLiterals = (source: ts.SourceFile): ts.ObjectLiteralExpression[] => {
  const found: ts.ObjectLiteralExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
};

const stringMember = (literal: ts.ObjectLiteralExpression, name: string): string | undefined => {
  const property = literal.properties.find((p) => memberName(p) === name);
  return property && ts.isPropertyAssignment(property) && ts.isStringLiteralLike(property.initializer)
    ? property.initializer.text
    : undefined;
};

const hasPhases = (literal: ts.ObjectLiteralExpression): boolean => literal.properties.some((p) => PHASES.includes(memberName(p) as Phase));

/** An object literal, or the one a call takes as its first argument (`defineControl({ ... })`). */
const literalOf = (expression: ts.Expression): ts.ObjectLiteralExpression | undefined => {
  const inner = ts.isParenthesizedExpression(expression) ? expression.expression : expression;
  if (ts.isObjectLiteralExpression(inner)) return inner;
  const first = ts.isCallExpression(inner) ? inner.arguments[0] : undefined;
  return first && ts.isObjectLiteralExpression(first) ? first : undefined;
};

/** The object literal a function returns (`=> ({ ... })`, `return { ... }`, or either wrapped in `defineControl(...)`). */
const returnedLiteral = (fn: ts.Node): ts.ObjectLiteralExpression | undefined => {
  if (ts.isArrowFunction(fn) && !ts.isBlock(fn.body)) return literalOf(fn.body);
  let found: ts.ObjectLiteralExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node) && node.expression) found ??= literalOf(node.expression);
    else if (!isFunctionNode(node) || node === fn) ts.forEachChild(node, visit);
  };
  visit(fn);
  return found;
};

/**
 * The plugin object with this id: the object literal with `id: '<id>'` and step members, or (a plugin made by a
 * factory such as manual-only's `manualPlugin({ id, ... })`) the literal the factory returns.
 */
const pluginObject = (pluginId: string): { module: Module; literal: ts.ObjectLiteralExpression } => {
  for (const file of sourceFiles(CONTROLS_DIR)) {
    const module = loadModule(file);
    for (const literal of objectLiterals(module.source)) {
      if (stringMember(literal, 'id') !== pluginId) continue;
      if (hasPhases(literal)) return { module, literal };
      const call = literal.parent;
      if (ts.isCallExpression(call) && ts.isIdentifier(call.expression)) {
        const factory = resolveName(module, call.expression.text);
        const made = factory && returnedLiteral(factory.node);
        if (factory && made && hasPhases(made)) return { module: factory.module, literal: made };
      }
    }
  }
  throw new Error(`No plugin object with id '${pluginId}' in functions/controls/`);
};

/** The commands one step of a plugin can send. */
export const commandsOfStep = (pluginId: string, phase: Phase): SdkCommand[] => {
  const { module, literal } = pluginObject(pluginId);
  const reach = new Reach();
  for (const property of literal.properties) {
    if (PHASE_MEMBERS[phase].includes(memberName(property) ?? '')) reach.root(module, property);
  }
  return reach.commands;
};

/** The commands a top-level function of a project file can send (e.g. the control-hygiene apply step). */
export const commandsOfFunction = (file: string, name: string): SdkCommand[] => {
  const module = loadModule(path.join(REPO_ROOT, file));
  const node = module.declarations.get(name);
  if (!node) throw new Error(`${file} declares no ${name}`);
  const reach = new Reach();
  reach.visit(module, node);
  return reach.commands;
};

/**
 * Every `new <Name>Command(` of an @aws-sdk client in the source files of a folder and its subfolders (tests left out):
 * what the call graph must account for.
 */
export const commandsInFolder = (folder: string): SdkCommand[] =>
  sourceFiles(path.join(REPO_ROOT, folder)).flatMap((file) => {
    const module = loadModule(file);
    const found: SdkCommand[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
        const imported = module.imports.get(node.expression.text);
        if (imported && !imported.project && imported.from.startsWith('@aws-sdk/client-')) {
          const line = module.source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
          found.push({ pkg: imported.from, command: imported.name, at: `${rel(module.file)}:${line}` });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(module.source);
    return found;
  });

/** The IAM service prefix of each SDK client package hubfix uses. */
const SERVICE_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-cloudfront': 'cloudfront',
  '@aws-sdk/client-cloudtrail': 'cloudtrail',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-iam': 'iam',
  '@aws-sdk/client-kms': 'kms',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-s3-control': 's3',
  '@aws-sdk/client-securityhub': 'securityhub',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-sts': 'sts',
};

/**
 * Commands whose IAM action is not `<prefix>:<Name>` (Service Authorization Reference, "Actions defined by ...").
 * S3 names its actions after the resource (bucket or account), not the REST operation.
 */
export const ACTION_EXCEPTIONS: Readonly<Record<string, string>> = {
  '@aws-sdk/client-s3:ListObjectsV2Command': 's3:ListBucket',
  '@aws-sdk/client-s3:ListBucketsCommand': 's3:ListAllMyBuckets',
  '@aws-sdk/client-s3:GetPublicAccessBlockCommand': 's3:GetBucketPublicAccessBlock',
  '@aws-sdk/client-s3:PutPublicAccessBlockCommand': 's3:PutBucketPublicAccessBlock',
  // There is no s3:DeleteBucketPublicAccessBlock: removing the configuration is authorized as putting it.
  '@aws-sdk/client-s3:DeletePublicAccessBlockCommand': 's3:PutBucketPublicAccessBlock',
  '@aws-sdk/client-s3-control:GetPublicAccessBlockCommand': 's3:GetAccountPublicAccessBlock',
  '@aws-sdk/client-s3-control:PutPublicAccessBlockCommand': 's3:PutAccountPublicAccessBlock',
  '@aws-sdk/client-s3-control:DeletePublicAccessBlockCommand': 's3:PutAccountPublicAccessBlock',
};

/** The IAM action that authorizes an SDK command. */
export const iamActionOf = ({ pkg, command }: Pick<SdkCommand, 'pkg' | 'command'>): string => {
  const exception = ACTION_EXCEPTIONS[`${pkg}:${command}`];
  if (exception) return exception;
  const prefix = SERVICE_PREFIX[pkg];
  if (!prefix) throw new Error(`No IAM service prefix known for ${pkg} (add it to SERVICE_PREFIX)`);
  return `${prefix}:${command.replace(/Command$/, '')}`;
};
