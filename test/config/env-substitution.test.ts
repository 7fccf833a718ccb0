import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../src/config/config-error.js";
import { expandVariables } from "../../src/config/env-substitution.js";
import { parseConfig } from "../../src/config/load.js";

const webhookConfig = (url: string, headers: string) =>
  [
    "notify:",
    "  receivers:",
    "    oncall:",
    "      webhook:",
    `        url: ${url}`,
    `        headers: ${headers}`,
    "",
  ].join("\n");

test("variables in values are replaced from the environment, with defaults and escapes", () => {
  const config = parseConfig(
    webhookConfig(
      '"http://${HOOK_HOST:-127.0.0.1}:${HOOK_PORT}/hook"',
      '{ Authorization: "Bearer ${VIGIL_TOKEN}", X-Template: "$${NOT_A_VAR}", X-Empty: "${EMPTY:-fallback}" }',
    ),
    { env: { HOOK_PORT: "9000", VIGIL_TOKEN: "s3cret", EMPTY: "" } },
  );
  const webhook = config.notify.receivers.oncall!.webhook!;
  assert.equal(webhook.url, "http://127.0.0.1:9000/hook");
  assert.deepEqual(webhook.headers, {
    Authorization: "Bearer s3cret",
    "X-Template": "${NOT_A_VAR}",
    "X-Empty": "fallback",
  });
});

test("a set variable overrides the default", () => {
  const config = parseConfig(webhookConfig('"http://${HOOK_HOST:-127.0.0.1}:9000/hook"', "{}"), {
    env: { HOOK_HOST: "alerts.internal" },
  });
  assert.equal(config.notify.receivers.oncall!.webhook!.url, "http://alerts.internal:9000/hook");
});

test("an unset variable is a problem at its value, reported once", () => {
  const text = webhookConfig('"${HOOK_URL}"', '{ Authorization: "Bearer ${VIGIL_TOKEN}" }');
  assert.throws(
    () => parseConfig(text, { file: "vigil.yaml", env: {} }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      // The url also fails the schema as "${HOOK_URL}"; the unset variable is the real cause.
      assert.deepEqual(error.problems, [
        {
          path: "notify.receivers.oncall.webhook.url",
          message: "environment variable HOOK_URL is not set",
          line: 5,
          column: 14,
        },
        {
          path: "notify.receivers.oncall.webhook.headers.Authorization",
          message: "environment variable VIGIL_TOKEN is not set",
          line: 6,
          column: 35,
        },
      ]);
      return true;
    },
  );
});

test("a variable's value stays one plain string, whatever YAML it contains", () => {
  const injected = 'x"\n  - name: evil\n    run: { command: "rm -rf /" }\nfoo: [1, 2]';
  const config = parseConfig(
    [
      "services:",
      "  - name: api",
      "    run:",
      "      command: ${CMD}",
      "      env:",
      "        PORT: ${PORT}",
      '        FLAG: "${FLAG}"',
      "    labels:",
      "      tier: '${TIER}'",
      "",
    ].join("\n"),
    { env: { CMD: injected, PORT: "8081", FLAG: "true", TIER: "{ a: 1 }" } },
  );
  assert.equal(config.services.length, 1);
  assert.equal(config.services[0]!.run!.command, injected);
  // Numbers and booleans from the environment stay strings: the value was typed in the file.
  assert.deepEqual(config.services[0]!.run!.env, { PORT: "8081", FLAG: "true" });
  assert.deepEqual(config.services[0]!.labels, { tier: "{ a: 1 }" });
});

test("keys are names, not values: they are never substituted", () => {
  const config = parseConfig('services:\n  - name: api\n    labels: { "${TEAM}": core }\n', { env: { TEAM: "payments" } });
  assert.deepEqual(config.services[0]!.labels, { "${TEAM}": "core" });
});

test("expandVariables follows the shell: empty takes the default, unset without one is an error", () => {
  const env = { SET: "value", EMPTY: "" };
  assert.deepEqual(expandVariables("a ${SET} b", env), { value: "a value b", errors: [] });
  assert.deepEqual(expandVariables("${EMPTY}", env), { value: "", errors: [] });
  assert.deepEqual(expandVariables("${EMPTY:-d}/${UNSET:-}", env), { value: "d/", errors: [] });
  assert.deepEqual(expandVariables("$${SET} costs $5", env), { value: "${SET} costs $5", errors: [] });
  assert.deepEqual(expandVariables("${UNSET}/${ALSO_UNSET}", env), {
    value: "${UNSET}/${ALSO_UNSET}",
    errors: ["environment variable UNSET is not set", "environment variable ALSO_UNSET is not set"],
  });
  assert.deepEqual(expandVariables("${1BAD}", env).errors, [
    '"${1BAD}" is not a variable reference (expected ${NAME} or ${NAME:-default})',
  ]);
  assert.deepEqual(expandVariables("${SET", env).errors, ['unterminated "${" (write "$${" for a literal "${")']);
});
