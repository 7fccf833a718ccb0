import { test } from "node:test";
import assert from "node:assert/strict";
import { DeliveryError } from "../../../src/alert/notify/notifier.js";
import {
  compileMessageTemplates,
  compileTemplate,
  TemplateError,
  validateReceiverTemplates,
} from "../../../src/alert/notify/templates.js";
import type { ReceiverConfig } from "../../../src/config/schema.js";
import { sampleNotification } from "./sample-notification.js";

const defaults = compileMessageTemplates("notify.receivers.oncall.email", {});

test("the default title reads like Alertmanager's: status, firing count, group values, other common values", () => {
  const twoNodes = sampleNotification("firing", [{ node: "node-a" }, { node: "node-b" }]);
  assert.equal(defaults.title(twoNodes), "[FIRING:2] HighCpu (critical)");
  const oneNode = sampleNotification("firing", [{ node: "node-a", labels: { severity: "warning" } }, { node: "node-a", labels: { severity: "warning", cpu: "1" } }]);
  assert.equal(defaults.title(oneNode), "[FIRING:2] HighCpu (node-a warning)");
  assert.equal(defaults.title(sampleNotification("resolved")), "[RESOLVED] HighCpu (node-a critical)");
});

test("the default text lists every alert with summary, description, labels, times and link", () => {
  const text = defaults.text(sampleNotification("resolved", [{ node: "node-a" }, { node: "node-b", annotations: { summary: "db slow" } }]));
  assert.equal(
    text,
    [
      "[RESOLVED] CPU above 90% on node-a",
      "node_cpu_usage_ratio is 0.97",
      "Labels: alertname=HighCpu, node=node-a, severity=critical",
      "Started: 2024-01-02T03:04:05.000Z, resolved: 2024-01-02T03:14:05.000Z",
      "http://vigil.example:7070/api/v1/alerts?fingerprint=0000000000000007",
      "",
      "[RESOLVED] db slow",
      "Labels: alertname=HighCpu, node=node-b, severity=critical",
      "Started: 2024-01-02T03:04:05.000Z, resolved: 2024-01-02T03:14:05.000Z",
      "http://vigil.example:7070/api/v1/alerts?fingerprint=0001000000000007",
      "",
      "",
    ].join("\n"),
  );
});

test("custom templates see the payload fields and the helpers; text is not HTML-escaped", () => {
  const render = compileTemplate(
    '{{receiver}} {{toLower status}} {{len alerts}}/{{len firing}}/{{len resolved}} {{join (values commonLabels) "+"}} ' +
      "{{pairs groupLabels}} {{commonAnnotations.description}} {{externalURL}} {{#each alerts}}<{{labels.node}}>{{/each}}",
    "t",
  );
  const n = sampleNotification("firing", [{ annotations: { description: "a & b < c" } }, { node: "node-b", annotations: { description: "a & b < c" } }]);
  assert.equal(
    render(n),
    "oncall firing 2/2/0 HighCpu+critical alertname=HighCpu a & b < c http://vigil.example:7070 <node-a><node-b>",
  );
});

test("a template that fails to render fails the delivery for good, naming the template", () => {
  const render = compileTemplate("{{join status}}", "notify.receivers.oncall.slack.text");
  assert.throws(
    () => render(sampleNotification("firing")),
    (err: unknown) => {
      assert.ok(err instanceof DeliveryError);
      assert.equal(err.retryable, false);
      assert.equal(err.message, 'notify.receivers.oncall.slack.text: template failed to render: join: expected a list or a label set, got "firing"');
      return true;
    },
  );
});

test("a syntax error, a partial or an unknown helper is a TemplateError when compiled", () => {
  assert.throws(() => compileTemplate("{{#if status}}x", "p.title"), (err: unknown) => {
    assert.ok(err instanceof TemplateError);
    assert.equal(err.path, "p.title");
    assert.match(err.message, /^p\.title: template does not compile: Parse error on line 1: Expecting .*got 'EOF'$/);
    return true;
  });
  assert.throws(() => compileTemplate("{{> footer}}", "p"), /partials \(\{\{> name\}\}\) are not available/);
  // Even in a branch no sample would take.
  assert.throws(() => compileTemplate('{{#if (eq status "never")}}{{upper status}}{{/if}}', "p"), /p: unknown helper "upper" \(known: .*toUpper/);
});

const email = (templates: { title?: string; text?: string }): ReceiverConfig => ({
  email: {
    to: ["ops@example.com"],
    from: "vigil@example.com",
    smtp: { host: "127.0.0.1", port: 25, secure: false },
    timeout: 1000,
    maxAttempts: 3,
    ...templates,
  },
});

test("validateReceiverTemplates reports every broken template with its config path, and nothing for good ones", () => {
  const problems = validateReceiverTemplates({
    good: email({ title: "{{toUpper status}}", text: "{{#each alerts}}{{labels.alertname}}{{/each}}" }),
    defaults: email({}),
    hook: { webhook: { url: "http://127.0.0.1:9/x", timeout: 1000, maxAttempts: 3, headers: {} } },
    mail: email({ title: "{{#each alerts}}", text: "{{join status}}" }),
    chat: { slack: { url: "https://hooks.slack.com/services/x", timeout: 1000, maxAttempts: 3, text: "{{fooBar alerts}}" } },
  });
  assert.deepEqual(problems.map((p) => p.path), ["notify.receivers.mail.email.title", "notify.receivers.mail.email.text", "notify.receivers.chat.slack.text"]);
  assert.match(problems[0]!.message, /^template does not compile: Parse error/);
  assert.equal(problems[1]!.message, 'template failed to render a sample firing notification: join: expected a list or a label set, got "firing"');
  assert.match(problems[2]!.message, /^unknown helper "fooBar"/);
});

test("helpers tolerate a missing label set (an alert without that label) instead of failing the delivery", () => {
  const render = compileTemplate('[{{join commonLabels.nothing}}][{{pairs nothing}}][{{len nothing}}][{{toUpper nothing}}]', "p");
  assert.equal(render(sampleNotification("firing")), "[][][0][]");
});
