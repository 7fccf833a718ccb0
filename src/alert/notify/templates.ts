// Message titles and bodies from Handlebars templates over a notification's data (the webhook
// v4 payload plus its firing/resolved alerts), with Alertmanager-like defaults. Templates are
// checked once at load (syntax, helper names, a trial render); a render error at send time
// fails that delivery for good, since retrying cannot change the outcome.
import Handlebars from "handlebars";
import type { ReceiverConfig } from "../../config/schema.js";
import { DeliveryError } from "./notifier.js";
import { ZERO_TIME, type WebhookAlert, type WebhookPayload } from "./webhook-payload.js";

/** Alertmanager's default title: `[FIRING:2] HighCpu (node-a critical)` — the group labels' values, then the other common labels' values. */
export const DEFAULT_TITLE =
  '[{{toUpper status}}{{#if (eq status "firing")}}:{{len firing}}{{/if}}] {{join (values groupLabels) " "}}' +
  '{{#with (values (without commonLabels groupLabels))}} ({{join this " "}}){{/with}}';

/** One paragraph per alert: status and summary, description, labels, times, link. */
export const DEFAULT_TEXT = `{{#each alerts}}
[{{toUpper status}}] {{#if annotations.summary}}{{annotations.summary}}{{else}}{{labels.alertname}}{{/if}}
{{#if annotations.description}}
{{annotations.description}}
{{/if}}
Labels: {{pairs labels}}
Started: {{startsAt}}{{#if (eq status "resolved")}}, resolved: {{endsAt}}{{/if}}
{{generatorURL}}

{{/each}}`;

/** What a template sees: the payload's fields, plus its alerts split by status. */
export interface TemplateData extends WebhookPayload {
  firing: WebhookAlert[];
  resolved: WebhookAlert[];
}

export type RenderTemplate = (notification: WebhookPayload) => string;

export interface TemplateProblem {
  /** Config path of the template, e.g. "notify.receivers.oncall.slack.title". */
  path: string;
  message: string;
}

/** A template that does not compile: a configuration error, reported with its config path. */
export class TemplateError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "TemplateError";
  }
}

type HelperArgs = unknown[];

/** The helpers templates may call besides Handlebars' own (if, unless, each, with, lookup, log). */
const helpers: Record<string, (...args: HelperArgs) => unknown> = {
  toUpper: (...args) => text(withoutOptions(args)[0]).toUpperCase(),
  toLower: (...args) => text(withoutOptions(args)[0]).toLowerCase(),
  /** join list-or-label-set [separator=", "]: a label set gives its values sorted by label name. */
  join: (...args) => {
    const [list, separator = ", "] = withoutOptions(args);
    return listOf("join", list).map(text).join(text(separator));
  },
  /** values labelSet: its values sorted by label name. */
  values: (...args) => listOf("values", withoutOptions(args)[0]),
  /** pairs labelSet [separator=", "]: "name=value" sorted by name. */
  pairs: (...args) => {
    const [set, separator = ", "] = withoutOptions(args);
    return sortedEntries("pairs", set)
      .map(([name, value]) => `${name}=${text(value)}`)
      .join(text(separator));
  },
  /** without labelSet other: the labels of labelSet whose names other does not have. */
  without: (...args) => {
    const [set, other] = withoutOptions(args);
    const drop = new Set(sortedEntries("without", other).map(([name]) => name));
    return Object.fromEntries(sortedEntries("without", set).filter(([name]) => !drop.has(name)));
  },
  eq: (...args) => {
    const [a, b] = withoutOptions(args);
    return a === b;
  },
  /** len list-or-label-set: its number of elements. */
  len: (...args) => listOf("len", withoutOptions(args)[0]).length,
};

const BUILTIN_HELPERS = new Set(["if", "unless", "each", "with", "lookup", "log"]);

const handlebars = Handlebars.create();
for (const [name, fn] of Object.entries(helpers)) handlebars.registerHelper(name, fn);

/** Handlebars passes its options object as the last argument of every helper call. */
function withoutOptions(args: HelperArgs): unknown[] {
  return args.slice(0, -1);
}

function text(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

function listOf(helper: string, value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === "object") return sortedEntries(helper, value).map(([, v]) => v);
  throw new Error(`${helper}: expected a list or a label set, got ${JSON.stringify(value)}`);
}

function sortedEntries(helper: string, value: unknown): [string, unknown][] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${helper}: expected a label set, got ${JSON.stringify(value)}`);
  }
  return Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function templateData(notification: WebhookPayload): TemplateData {
  return {
    ...notification,
    firing: notification.alerts.filter((a) => a.status === "firing"),
    resolved: notification.alerts.filter((a) => a.status === "resolved"),
  };
}

/**
 * Compiles `source` as plain text (no HTML escaping). Throws a TemplateError naming `path`
 * for a syntax error, a partial or an unknown helper; the returned function throws a
 * non-retryable DeliveryError when rendering fails.
 */
export function compileTemplate(source: string, path: string): RenderTemplate {
  const compiled = compileChecked(source, path);
  return (notification) => {
    try {
      return compiled(templateData(notification));
    } catch (err) {
      throw new DeliveryError(`${path}: template failed to render: ${oneLine(err)}`, { retryable: false });
    }
  };
}

function compileChecked(source: string, path: string): Handlebars.TemplateDelegate<TemplateData> {
  let program: hbs.AST.Program;
  try {
    program = handlebars.parse(source);
  } catch (err) {
    throw new TemplateError(path, `template does not compile: ${oneLine(err)}`);
  }
  const unsupported = unsupportedNodes(program);
  if (unsupported.length > 0) throw new TemplateError(path, unsupported[0]!);
  return handlebars.compile<TemplateData>(source, { noEscape: true, strict: false });
}

export interface MessageRenderer {
  title: RenderTemplate;
  text: RenderTemplate;
  /** Whether `text` is the receiver's own template rather than DEFAULT_TEXT. */
  customText: boolean;
}

/** A receiver's title and text renderers, the defaults where it declares none. */
export function compileMessageTemplates(
  pathPrefix: string,
  templates: { title?: string | undefined; text?: string | undefined },
): MessageRenderer {
  return {
    title: compileTemplate(templates.title ?? DEFAULT_TITLE, `${pathPrefix}.title`),
    text: compileTemplate(templates.text ?? DEFAULT_TEXT, `${pathPrefix}.text`),
    customText: templates.text !== undefined,
  };
}

/**
 * Every template problem of the receivers (slack and email have title/text), with its
 * config path: syntax errors, unknown helpers, and errors of a trial render on a firing
 * and a resolved sample notification. For config loading: problems are errors at startup.
 */
export function validateReceiverTemplates(receivers: Record<string, ReceiverConfig>): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const [name, receiver] of Object.entries(receivers)) {
    for (const kind of ["slack", "email"] as const) {
      const templates = receiver[kind];
      if (templates === undefined) continue;
      for (const field of ["title", "text"] as const) {
        const source = templates[field];
        if (source === undefined) continue;
        const path = `notify.receivers.${name}.${kind}.${field}`;
        let render: Handlebars.TemplateDelegate<TemplateData>;
        try {
          render = compileChecked(source, path);
        } catch (err) {
          problems.push({ path, message: err instanceof TemplateError ? err.reason : oneLine(err) });
          continue;
        }
        for (const sample of SAMPLE_NOTIFICATIONS) {
          try {
            render(templateData(sample));
          } catch (err) {
            problems.push({ path, message: `template failed to render a sample ${sample.status} notification: ${oneLine(err)}` });
            break;
          }
        }
      }
    }
  }
  return problems;
}

/** Which nodes of a template Handlebars would only reject at render time: partials and unknown helpers. */
function unsupportedNodes(program: hbs.AST.Program): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    const n = node as { type?: string; path?: hbs.AST.PathExpression; params?: unknown[]; hash?: hbs.AST.Hash };
    if (n.type === "PartialStatement" || n.type === "PartialBlockStatement") {
      found.push("partials ({{> name}}) are not available in notification templates");
    }
    const callsHelper =
      n.type === "SubExpression" ||
      ((n.type === "MustacheStatement" || n.type === "BlockStatement") &&
        ((n.params?.length ?? 0) > 0 || (n.hash?.pairs.length ?? 0) > 0));
    if (callsHelper && n.path?.type === "PathExpression") {
      const name = n.path.original;
      if (!BUILTIN_HELPERS.has(name) && !(name in helpers)) {
        const known = [...BUILTIN_HELPERS, ...Object.keys(helpers)].join(", ");
        found.push(`unknown helper "${name}" (known: ${known})`);
      }
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value !== null && typeof value === "object") visit(value);
    }
  };
  visit(program);
  return found;
}

/** Handlebars' parse errors span lines (source excerpt, caret); keep the first and the last. */
function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split("\n").filter((line) => line.trim() !== "" && !/^-*\^$/.test(line.trim()));
  if (lines.length <= 1) return lines[0] ?? message;
  return `${lines[0]} ${lines[lines.length - 1]}`;
}

const sampleAlert = (status: "firing" | "resolved", node: string): WebhookAlert => ({
  status,
  labels: { alertname: "HighCpu", node, severity: "critical" },
  annotations: { summary: `CPU above 90% on ${node}`, description: "node_cpu_usage_ratio is 0.97" },
  startsAt: "2024-01-02T03:04:05.000Z",
  endsAt: status === "resolved" ? "2024-01-02T03:14:05.000Z" : ZERO_TIME,
  generatorURL: "http://vigil.example:7070/api/v1/alerts?fingerprint=0123456789abcdef",
  fingerprint: "0123456789abcdef",
});

const SAMPLE_NOTIFICATIONS: WebhookPayload[] = (["firing", "resolved"] as const).map((status) => ({
  receiver: "sample",
  status,
  alerts: [sampleAlert(status, "node-a"), sampleAlert(status, "node-b")],
  groupLabels: { alertname: "HighCpu" },
  commonLabels: { alertname: "HighCpu", severity: "critical" },
  commonAnnotations: { description: "node_cpu_usage_ratio is 0.97" },
  externalURL: "http://vigil.example:7070",
  version: "4",
  groupKey: '{}:{alertname="HighCpu"}',
  truncatedAlerts: 0,
}));
