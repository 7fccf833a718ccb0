// Inhibition rules (notify.inhibitRules): while an alert matching a rule's source matchers
// fires, alerts matching its target matchers that share the values of its `equal` labels
// are not notified — "node down" keeps the alerts of everything on that node quiet.
import type { InhibitRuleConfig } from "../config/schema.js";
import type { AlertRecord } from "../storage/storage.js";
import { alertFingerprint } from "./fingerprint.js";
import { compileMatcher, matchesAll, parseMatcher, type CompiledMatcher } from "./matchers.js";
import type { MuteReason, MuteStage } from "./mute.js";

export interface InhibitRule {
  source: CompiledMatcher[];
  target: CompiledMatcher[];
  equal: string[];
}

/** Compiles the config's rules; a bad matcher throws naming its path (notify.inhibitRules[0].sourceMatchers[1]: ...). */
export function compileInhibitRules(configs: readonly InhibitRuleConfig[]): InhibitRule[] {
  return configs.map((rule, i) => {
    const compile = (texts: readonly string[], field: string) =>
      texts.map((text, j) => {
        try {
          return compileMatcher(parseMatcher(text));
        } catch (err) {
          throw new Error(`notify.inhibitRules[${i}].${field}[${j}]: ${(err as Error).message}`);
        }
      });
    return { source: compile(rule.sourceMatchers, "sourceMatchers"), target: compile(rule.targetMatchers, "targetMatchers"), equal: [...rule.equal] };
  });
}

/**
 * `equal` labels must be present on both alerts with the same value. (Alertmanager compares
 * label values with a missing label read as "", so two alerts both lacking the label count
 * as equal there; Vigil requires the label, so that a rule meant for one node cannot quiet
 * alerts that name no node at all.)
 */
function equalLabelsMatch(equal: readonly string[], source: Record<string, string>, target: Record<string, string>): boolean {
  return equal.every((name) => source[name] !== undefined && source[name] === target[name]);
}

export class InhibitionStage implements MuteStage {
  readonly kind = "inhibition" as const;
  private readonly rules: InhibitRule[];

  /**
   * `firing` gives the alerts firing now (pending and resolved ones never inhibit). An
   * inhibiting alert may itself be silenced or inhibited: it still stands for the cause.
   */
  constructor(
    rules: readonly InhibitRuleConfig[],
    private readonly firing: () => readonly AlertRecord[],
  ) {
    this.rules = compileInhibitRules(rules);
  }

  muted(labels: Record<string, string>, now: number): MuteReason | null {
    return this.reasons(labels, now)[0] ?? null;
  }

  /** One reason per firing alert that inhibits these labels (under any rule), its fingerprint as the id. */
  reasons(labels: Record<string, string>, _now: number): MuteReason[] {
    const targetRules = this.rules.filter((rule) => matchesAll(rule.target, labels));
    if (targetRules.length === 0) return [];
    const targetFingerprint = alertFingerprint(labels);
    const reasons = new Map<string, MuteReason>();
    for (const rule of targetRules) {
      for (const source of this.firing()) {
        if (reasons.has(source.fingerprint)) continue;
        if (source.state !== "firing" || !matchesAll(rule.source, source.labels)) continue;
        // An alert matching both sides does not inhibit itself (Alertmanager's rule too).
        if (source.fingerprint === targetFingerprint) continue;
        if (!equalLabelsMatch(rule.equal, source.labels, labels)) continue;
        reasons.set(source.fingerprint, { kind: "inhibition", id: source.fingerprint, detail: `inhibited by ${describeAlert(source.labels)}` });
      }
    }
    return [...reasons.values()];
  }
}

/** `NodeDown{node="node-a"}`: the alert's name and its other labels but severity. */
export function describeAlert(labels: Record<string, string>): string {
  const rest = Object.entries(labels)
    .filter(([name]) => name !== "alertname" && name !== "severity")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return `${labels.alertname ?? "alert"}{${rest.join(", ")}}`;
}
