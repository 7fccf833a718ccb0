// Reads vigil.yaml into a validated VigilConfig, or throws one ConfigError listing every
// problem: YAML syntax, unset environment variables, schema violations (in plain words, at
// the line and column of the offending value) and names that refer to nothing.
import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type YAMLError } from "yaml";
import { ConfigError, formatPath, parsePath, type ConfigProblem, type PathSegment } from "./config-error.js";
import { substituteEnv, type Env } from "./env-substitution.js";
import { validateReceiverTemplates } from "../alert/notify/templates.js";
import { checkReferences, referencesOf } from "./references.js";
import { configSchema, type VigilConfig } from "./schema.js";

export interface ParseOptions {
  /** Shown in error messages as the file the text came from. */
  file?: string;
  /** Where `${NAME}` values come from; default process.env. */
  env?: Env;
}

/** Parses and validates config text; throws ConfigError with every problem found. */
export function parseConfig(text: string, options: ParseOptions = {}): VigilConfig {
  const rejected = (problems: ConfigProblem[]) => new ConfigError(inFileOrder(problems), options.file);
  const lineCounter = new LineCounter();
  // Merge keys (`<<: *base`) are YAML 1.1, but common in configs that share settings.
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, merge: true });
  if (doc.errors.length > 0) throw rejected(doc.errors.map(yamlSyntaxProblem));
  const locator = new Locator(doc, lineCounter);

  const aliasProblems = unresolvedAliases(doc, locator);
  if (aliasProblems.length > 0) throw rejected(aliasProblems);
  const envProblems = substituteEnv(doc, options.env ?? process.env, lineCounter);

  let raw: unknown;
  try {
    // An empty file (or one of only comments) is a config that takes every default.
    raw = doc.contents === null ? {} : doc.toJS();
  } catch (error) {
    // toJS refuses documents whose aliases expand beyond its limit (a "billion laughs" file).
    throw rejected([{ path: "", message: `cannot read the YAML: ${(error as Error).message}` }]);
  }

  const result = configSchema.safeParse(raw, { reportInput: true, error: () => SCHEMA_HAS_NO_MESSAGE });
  const schemaProblems = result.success
    ? []
    : result.error.issues.flatMap((issue) => describeIssue(issue, [])).map((found) => locator.place(found));
  const referenceProblems = [
    ...checkReferences(result.success ? result.data : referencesOf(raw)),
    ...(result.success ? validateReceiverTemplates(result.data.notify.receivers) : []),
  ].map((problem) => locator.place({ path: parsePath(problem.path), message: problem.message }));

  // A value with an unset variable fails the schema too, and a malformed name is also an
  // unknown one; the first stage that saw a value's problem is the one that explains it.
  const problems: ConfigProblem[] = [];
  for (const stage of [envProblems, schemaProblems, referenceProblems]) {
    const seen = new Set(problems.map((problem) => problem.path));
    problems.push(...stage.filter((problem) => !seen.has(problem.path)));
  }
  if (problems.length > 0 || !result.success) throw rejected(problems);
  return result.data;
}

/**
 * Reads and parses a config file. `server.data`, `services[].run.cwd`,
 * `services[].pidfile`, `services[].snapshot.path` and `scrape[].files` are resolved
 * against the file's directory, so the config means the same whichever directory Vigil is started from.
 */
export function loadConfigFile(path: string, env?: Env): VigilConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([{ path: "", message: readFailure(error) }], path);
  }
  const config = parseConfig(text, { file: path, env });
  return resolvePaths(config, dirname(resolve(path)));
}

/** `<cwd>/vigil.yaml`, else `<cwd>/vigil.yml`, else null. */
export function findDefaultConfig(cwd: string): string | null {
  for (const name of ["vigil.yaml", "vigil.yml"]) {
    const candidate = join(cwd, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Absent or unreadable: try the next name.
    }
  }
  return null;
}

function resolvePaths(config: VigilConfig, dir: string): VigilConfig {
  return {
    ...config,
    server: {
      ...config.server,
      data: resolve(dir, config.server.data),
      ...(config.server.tls && { tls: resolveFields(config.server.tls, dir, ["cert", "key", "ca"]) }),
    },
    agent: { ...config.agent, ...(config.agent.tls && { tls: resolveFields(config.agent.tls, dir, ["cert", "key", "ca"]) }) },
    services: config.services.map((service) => ({
      ...service,
      ...(service.run && {
        run: { ...service.run, ...(service.run.cwd !== undefined && { cwd: resolve(dir, service.run.cwd) }) },
      }),
      ...(service.pidfile !== undefined && { pidfile: resolve(dir, service.pidfile) }),
      ...(service.snapshot && { snapshot: { ...service.snapshot, path: resolve(dir, service.snapshot.path) } }),
    })),
    scrape: config.scrape.map((job) => ({ ...job, files: job.files.map((f) => resolve(dir, f)) })),
  };
}

/** The given path fields, where present, made absolute relative to `dir`. */
function resolveFields<T extends object>(o: T, dir: string, fields: (keyof T & string)[]): T {
  const out = { ...o };
  for (const f of fields) if (typeof out[f] === "string") (out as Record<string, unknown>)[f] = resolve(dir, out[f] as string);
  return out;
}

function readFailure(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return "cannot read the config file: no such file";
    case "EACCES":
    case "EPERM":
      return "cannot read the config file: permission denied";
    case "EISDIR":
      return "cannot read the config file: it is a directory";
    default:
      return `cannot read the config file: ${(error as Error).message}`;
  }
}

function yamlSyntaxProblem(error: YAMLError): ConfigProblem {
  // prettyErrors appends " at line L, column C:" and a source excerpt; the position is kept
  // in line/column instead, so only the first sentence is wanted.
  const sentence = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  const message =
    error.code === "MULTIPLE_DOCS" ? "expected one YAML document, found a second one (after ---)" : sentence;
  const start = error.linePos?.[0];
  return { path: "", message: `invalid YAML: ${message}`, ...(start && { line: start.line, column: start.col }) };
}

function unresolvedAliases(doc: Document, locator: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Alias(_key, alias) {
      if (alias.resolve(doc) === undefined) {
        problems.push({
          path: "",
          message: `invalid YAML: alias *${alias.source} names no anchor &${alias.source} before it`,
          ...locator.offsetPosition(alias.range?.[0]),
        });
      }
    },
  });
  return problems;
}

/** Sorted by position (stable, so problems at one place keep their order); unplaced ones last. */
function inFileOrder(problems: ConfigProblem[]): ConfigProblem[] {
  const last = Number.MAX_SAFE_INTEGER;
  return [...problems].sort((a, b) => (a.line ?? last) - (b.line ?? last) || (a.column ?? last) - (b.column ?? last));
}

/** A problem found at a config path, before it is given a line and column. */
interface FoundProblem {
  path: PathSegment[];
  message: string;
  /** Place it at this key itself rather than at the value of `path` (unknown or invalid keys). */
  keyAt?: PathSegment[];
}

/** Finds where a config path is written in the YAML document. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  place(found: FoundProblem): ConfigProblem {
    const position = found.keyAt ? this.position(found.keyAt, "key") : this.position(found.path, "value");
    return { path: formatPath(found.path), message: found.message, ...position };
  }

  /**
   * The position of the value (or key) at `path`; when the path goes further than the
   * document (a required key that is absent), the position of the deepest node that exists.
   */
  position(path: readonly PathSegment[], want: "value" | "key"): { line?: number; column?: number } {
    let node: unknown = this.doc.contents;
    let offset = this.startOf(node);
    for (const [depth, segment] of path.entries()) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
        if (!pair) break;
        const keyStart = this.startOf(pair.key) ?? offset;
        if (want === "key" && depth === path.length - 1) return this.offsetPosition(keyStart);
        node = pair.value;
        // `key:` with nothing after it: the key is where the value should have been.
        offset = isEmptyScalar(node) ? keyStart : (this.startOf(node) ?? keyStart);
        continue;
      } else if (isSeq(node) && typeof segment === "number" && segment < node.items.length) {
        node = node.items[segment];
      } else {
        break;
      }
      offset = this.startOf(node) ?? offset;
    }
    return this.offsetPosition(offset);
  }

  offsetPosition(offset: number | undefined): { line?: number; column?: number } {
    if (offset === undefined) return {};
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  private startOf(node: unknown): number | undefined {
    return typeof node === "object" && node !== null && "range" in node && Array.isArray(node.range)
      ? (node.range[0] as number)
      : undefined;
  }
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && (node.range === undefined || node.range === null || node.range[0] === node.range[1]);
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

// The error map passed to safeParse is consulted only for issues whose schema wrote no
// message of its own; this marker tells those apart, so that schema-written messages
// ('expected a duration such as "1s"') are kept and zod's generic ones are rephrased.
const SCHEMA_HAS_NO_MESSAGE = "\u0000schema-has-no-message";

/** zod's issue in the words of the config file: YAML types, the value found, the keys allowed. */
function describeIssue(issue: z.core.$ZodIssue, base: PathSegment[]): FoundProblem[] {
  const path = [...base, ...issue.path.map((segment) => (typeof segment === "number" ? segment : String(segment)))];
  const own = issue.message === SCHEMA_HAS_NO_MESSAGE ? undefined : issue.message;
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = keysAllowedAt(path);
      const expected = allowed.length > 0 ? ` (expected one of: ${allowed.join(", ")})` : "";
      return issue.keys.map((key) => ({ path, keyAt: [...path, key], message: `unknown key "${key}"${expected}` }));
    }
    case "invalid_type": {
      const expected = own ?? `expected ${typeName(issue.expected)}`;
      const missingKey = path.at(-1);
      if (issue.input === undefined && typeof missingKey === "string") {
        return [{ path: path.slice(0, -1), message: `missing required key "${missingKey}" (${expected})` }];
      }
      return [{ path, message: withGot(expected, issue.input) }];
    }
    case "invalid_value": {
      const choices = issue.values.map((value) => JSON.stringify(value));
      const expected = choices.length === 1 ? `expected ${choices[0]}` : `expected one of ${choices.join(", ")}`;
      return [{ path, message: withGot(own ?? expected, issue.input) }];
    }
    case "invalid_format":
      return [{ path, message: withGot(own ?? `expected a valid ${issue.format}`, issue.input) }];
    case "too_small":
    case "too_big":
      return [{ path, message: own ?? sizeMessage(issue) }];
    case "not_multiple_of":
      return [{ path, message: withGot(own ?? `expected a multiple of ${issue.divisor}`, issue.input) }];
    case "invalid_union": {
      // Each branch failed. A branch whose only complaint is about the value's type or
      // literal value as a whole was never meant; if exactly one branch got further (the
      // value has its shape), its own issues say what is wrong.
      const meant = issue.errors.filter(
        (branch) =>
          !branch.every((inner) => inner.path.length === 0 && (inner.code === "invalid_type" || inner.code === "invalid_value")),
      );
      if (meant.length === 1) return meant[0]!.flatMap((inner) => describeIssue(inner, path));
      return [{ path, message: withGot(own ?? "expected another kind of value", issue.input) }];
    }
    case "invalid_key":
      return issue.issues.flatMap((inner) =>
        describeIssue(inner, path).map((found) => ({ ...found, keyAt: path, message: `invalid key: ${found.message}` })),
      );
    case "invalid_element":
      return issue.issues.flatMap((inner) => describeIssue(inner, path));
    case "custom":
      return [{ path, message: own ?? "invalid value" }];
  }
}

function withGot(expected: string, input: unknown): string {
  return expected.includes(", got ") ? expected : `${expected}, got ${describeValue(input)}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    string: "a string",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    object: "a mapping",
    record: "a mapping",
    array: "a list",
    null: "an empty value",
  };
  return names[expected] ?? `a ${expected}`;
}

function sizeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === "too_small";
  const limit = small ? issue.minimum : issue.maximum;
  const bound = issue.inclusive === false ? (small ? "more than" : "less than") : small ? "at least" : "at most";
  const input = issue.input;
  if (issue.origin === "string" && typeof input === "string") {
    return small && limit === 1 ? "must not be empty" : `expected ${bound} ${limit} characters, got ${input.length}`;
  }
  if (issue.origin === "array" && Array.isArray(input)) {
    return `expected ${bound} ${limit} ${limit === 1 ? "entry" : "entries"}, got ${input.length}`;
  }
  return `expected ${bound} ${limit}, got ${describeValue(input)}`;
}

/** The keys the schema allows in the mapping at `path` (for "unknown key" messages). */
function keysAllowedAt(path: readonly PathSegment[]): string[] {
  let schemas = unwrapSchema(configSchema);
  for (const segment of path) {
    schemas = schemas.flatMap((schema) => {
      if (schema instanceof z.ZodObject) {
        const child = schema.shape[String(segment)] as z.core.$ZodType | undefined;
        return child ? unwrapSchema(child) : [];
      }
      if (schema instanceof z.ZodArray) return unwrapSchema(schema.element);
      if (schema instanceof z.ZodRecord) return unwrapSchema(schema.valueType);
      return [];
    });
  }
  const keys = schemas.flatMap((schema) => (schema instanceof z.ZodObject ? Object.keys(schema.shape) : []));
  return [...new Set(keys)];
}

/** The schemas a value is checked against once defaults, optionality, transforms and unions are looked through. */
function unwrapSchema(schema: z.core.$ZodType): z.core.$ZodType[] {
  if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodNullable
  ) {
    return unwrapSchema(schema.unwrap());
  }
  if (schema instanceof z.ZodPipe) return unwrapSchema(schema.in);
  if (schema instanceof z.ZodUnion) return schema.options.flatMap(unwrapSchema);
  return [schema];
}
