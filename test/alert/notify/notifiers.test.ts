import { test } from "node:test";
import assert from "node:assert/strict";
import { deliverySettings, receiverKind } from "../../../src/alert/notify/notifier.js";
import { createNotifier } from "../../../src/alert/notify/notifiers.js";
import type { ReceiverConfig } from "../../../src/config/schema.js";
import { silentLogger } from "../../../src/util/logger.js";

const receivers: Record<string, ReceiverConfig> = {
  hook: { webhook: { url: "http://127.0.0.1:9/hook", timeout: 1000, maxAttempts: 4, headers: {} } },
  chat: { slack: { url: "https://hooks.slack.com/services/T/B/x", timeout: 2000, maxAttempts: 5 } },
  mail: { email: { to: ["ops@example.com"], from: "vigil@example.com", smtp: { host: "127.0.0.1", port: 25, secure: false }, timeout: 3000, maxAttempts: 6 } },
  script: { command: { command: "cat > /dev/null", timeout: 4000, maxAttempts: 7 } },
};

test("createNotifier picks the plugin of the kind the receiver declares; settings come from that kind", () => {
  for (const [name, config] of Object.entries(receivers)) {
    const notifier = createNotifier(name, config, { logger: silentLogger() });
    assert.equal(notifier.kind, receiverKind(name, config));
    assert.equal(notifier.kind, Object.keys(config)[0]);
  }
  assert.deepEqual(
    Object.entries(receivers).map(([name, config]) => deliverySettings(name, config)),
    [
      { timeout: 1000, maxAttempts: 4 },
      { timeout: 2000, maxAttempts: 5 },
      { timeout: 3000, maxAttempts: 6 },
      { timeout: 4000, maxAttempts: 7 },
    ],
  );
});

test("a receiver with no kind or two kinds, or a broken template, is refused by name", () => {
  assert.throws(() => createNotifier("empty", {}, { logger: silentLogger() }), /^Error: receiver "empty": expected exactly one of webhook, slack, email, command, got none$/);
  assert.throws(
    () => createNotifier("both", { ...receivers.hook!, ...receivers.script! }, { logger: silentLogger() }),
    /receiver "both": expected exactly one of .*, got webhook and command$/,
  );
  assert.throws(
    () => createNotifier("chat", { slack: { ...receivers.chat!.slack!, title: "{{#each}}" } }, { logger: silentLogger() }),
    /^TemplateError: notify\.receivers\.chat\.slack\.title: template does not compile/,
  );
});
