// Inhibition rules: a firing source alert quiets matching targets that share its `equal`
// labels (present and equal), never itself, and only while it fires.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.js";
import { alertFingerprint } from "../../src/alert/fingerprint.js";
import { InhibitionStage } from "../../src/alert/inhibition.js";
import type { AlertRecord, AlertState } from "../../src/storage/storage.js";

function alert(labels: Record<string, string>, state: AlertState = "firing"): AlertRecord {
  return {
    fingerprint: alertFingerprint(labels),
    labels,
    annotations: {},
    state,
    activeAt: 0,
    firedAt: state === "firing" ? 0 : null,
    resolvedAt: null,
    value: null,
    updatedAt: 0,
  };
}

function stage(rules: Record<string, unknown>[], firing: AlertRecord[]) {
  return new InhibitionStage(configSchema.parse({ notify: { inhibitRules: rules } }).notify.inhibitRules, () => firing);
}

const nodeDown = { alertname: "NodeDown", severity: "critical", node: "node-a" };
const nodeDownRule = { sourceMatchers: ['alertname="NodeDown"'], targetMatchers: ['severity=~"warning|info"'], equal: ["node"] };

describe("inhibition rules", () => {
  it("a firing source inhibits targets with equal labels, and names itself", () => {
    const source = alert(nodeDown);
    const s = stage([nodeDownRule], [source]);
    assert.deepEqual(s.muted({ alertname: "HighCpu", severity: "warning", node: "node-a" }, 0), {
      kind: "inhibition",
      id: source.fingerprint,
      detail: 'inhibited by NodeDown{node="node-a"}',
    });
    assert.equal(s.muted({ alertname: "HighCpu", severity: "warning", node: "node-b" }, 0), null, "another node");
    assert.equal(s.muted({ alertname: "DiskFull", severity: "critical", node: "node-a" }, 0), null, "not a target");
  });

  it("equal labels must be present on both: a missing label is not equal", () => {
    const s = stage([nodeDownRule], [alert(nodeDown)]);
    assert.equal(s.muted({ alertname: "Backup", severity: "warning" }, 0), null, "target without node");
    const sourceWithoutNode = stage([nodeDownRule], [alert({ alertname: "NodeDown", severity: "critical" })]);
    assert.equal(sourceWithoutNode.muted({ alertname: "Backup", severity: "warning" }, 0), null, "both without node");
    assert.equal(sourceWithoutNode.muted({ alertname: "HighCpu", severity: "warning", node: "node-a" }, 0), null, "source without node");
    const noEqual = stage([{ ...nodeDownRule, equal: [] }], [alert(nodeDown)]);
    assert.notEqual(noEqual.muted({ alertname: "Backup", severity: "warning" }, 0), null, "no equal labels: any target");
    const two = stage([{ ...nodeDownRule, equal: ["node", "cluster"] }], [alert({ ...nodeDown, cluster: "eu" })]);
    assert.notEqual(two.muted({ alertname: "HighCpu", severity: "warning", node: "node-a", cluster: "eu" }, 0), null);
    assert.equal(two.muted({ alertname: "HighCpu", severity: "warning", node: "node-a", cluster: "us" }, 0), null);
  });

  it("only firing alerts inhibit, as the firing set changes", () => {
    const firing: AlertRecord[] = [alert(nodeDown, "pending")];
    const s = new InhibitionStage(configSchema.parse({ notify: { inhibitRules: [nodeDownRule] } }).notify.inhibitRules, () => firing);
    const target = { alertname: "HighCpu", severity: "warning", node: "node-a" };
    assert.equal(s.muted(target, 0), null, "pending source");
    firing[0] = alert(nodeDown, "firing");
    assert.notEqual(s.muted(target, 0), null);
    firing.length = 0;
    assert.equal(s.muted(target, 0), null, "source resolved and gone");
  });

  it("an alert matching both sides is not inhibited by itself, but is by another", () => {
    const rule = { sourceMatchers: ['severity="critical"'], targetMatchers: ['severity="critical"', 'alertname!="NodeDown"'], equal: ["node"] };
    const diskFull = { alertname: "DiskFull", severity: "critical", node: "node-a" };
    assert.equal(stage([rule], [alert(diskFull)]).muted(diskFull, 0), null);
    assert.notEqual(stage([rule], [alert(diskFull), alert(nodeDown)]).muted(diskFull, 0), null);
  });

  it("reasons() names every inhibiting alert once, under whichever rule, by fingerprint", () => {
    const otherRule = { sourceMatchers: ['alertname="NetworkDown"'], targetMatchers: ['severity="warning"'], equal: ["node"] };
    const network = { alertname: "NetworkDown", severity: "critical", node: "node-a" };
    const elsewhere = { alertname: "NodeDown", severity: "critical", node: "node-b" };
    const s = stage([nodeDownRule, otherRule, { ...nodeDownRule, equal: [] }], [alert(nodeDown), alert(network), alert(elsewhere)]);
    const target = { alertname: "HighCpu", severity: "warning", node: "node-a" };
    assert.deepEqual(
      s.reasons(target, 0).map((r) => r.id),
      [alertFingerprint(nodeDown), alertFingerprint(network), alertFingerprint(elsewhere)],
      "the third rule has no equal labels, so node-b's NodeDown counts too",
    );
    assert.deepEqual(s.muted(target, 0), s.reasons(target, 0)[0]);
    assert.deepEqual(s.reasons({ alertname: "HighCpu", severity: "critical", node: "node-a" }, 0), [], "not a target");
  });

  it("refuses a bad matcher naming its path", () => {
    assert.throws(() => stage([{ ...nodeDownRule, targetMatchers: ['severity="warning"', "oops"] }], []), /notify\.inhibitRules\[0\]\.targetMatchers\[1\]: invalid matcher "oops"/);
  });
});
