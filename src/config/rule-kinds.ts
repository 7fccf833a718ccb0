// The rules of one kind (threshold, anomaly, forecast) from the config's mixed `rules` list.
import type { AnyRuleConfig } from "./schema.js";

export function rulesOfKind<K extends AnyRuleConfig["kind"]>(rules: readonly AnyRuleConfig[], kind: K): Extract<AnyRuleConfig, { kind: K }>[] {
  return rules.filter((r): r is Extract<AnyRuleConfig, { kind: K }> => r.kind === kind);
}
