// Fuzzing the config loader with fast-check: thousands of YAML documents built from the
// schema's own keys with arbitrary values, and arbitrary text, either load or are refused
// with a ConfigError whose every line names the file, a position or path, and what is wrong —
// never another exception.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { stringify } from "yaml";
import { ConfigError } from "../../src/config/config-error.js";
import { parseConfig } from "../../src/config/load.js";

const RUNS = 2500;

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("1s", "250ms", "5x", "-1s", "127.0.0.1:7070", "0.0.0.0:1", "${UNSET_VAR}", "${HOME}", "$${x}", "${", "auto", "required", "off", "restart", "api", "db"),
);
const leaf = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }));

const service = fc.dictionary(
  fc.constantFrom("name", "node", "run", "health", "dependsOn", "recovery", "standby", "commands", "limits", "slo", "bogus"),
  fc.oneof(leaf, fc.dictionary(fc.constantFrom("command", "http", "tcp", "interval", "timeout", "memory", "target", "x"), leaf, { maxKeys: 3 })),
  { maxKeys: 6 },
);
const receiver = fc.dictionary(
  fc.constantFrom("webhook", "email", "slack", "command"),
  fc.dictionary(fc.constantFrom("url", "headers", "to", "from", "smtp", "command", "timeout"), fc.oneof(leaf, fc.dictionary(fc.constantFrom("host", "password", "port"), leaf)), { maxKeys: 4 }),
  { maxKeys: 2 },
);
const documentValue = fc.record(
  {
    server: fc.dictionary(fc.constantFrom("listen", "data", "evaluationInterval", "auth", "externalURL"), fc.oneof(leaf, fc.dictionary(fc.constantFrom("mode", "sessionTtl"), leaf)), { maxKeys: 3 }),
    services: fc.oneof(fc.array(service, { maxLength: 3 }), leaf),
    playbooks: fc.dictionary(fc.string({ maxLength: 6 }), fc.dictionary(fc.constantFrom("steps", "limits", "mode"), leaf), { maxKeys: 2 }),
    rules: fc.array(fc.dictionary(fc.constantFrom("name", "metric", "above", "below", "for", "kind", "severity"), leaf, { maxKeys: 5 }), { maxLength: 2 }),
    notify: fc.record({ receivers: fc.dictionary(fc.string({ maxLength: 6 }), receiver, { maxKeys: 2 }), routes: fc.array(fc.dictionary(fc.constantFrom("receiver", "match", "matchers"), leaf), { maxLength: 2 }) }, { requiredKeys: [] }),
    agent: fc.dictionary(fc.constantFrom("heartbeatInterval", "collectInterval"), leaf),
  },
  { requiredKeys: [] },
);

function check(text: string): void {
  try {
    parseConfig(text, { file: "fuzz.yaml", env: { HOME: "/root" } });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${(err as Error).stack}\n--- for:\n${text}`);
    const lines = err.message.split("\n").filter(Boolean);
    assert.ok(lines.length > 0, "an error with no problem listed");
    for (const line of lines) assert.match(line, /^fuzz\.yaml(:\d+:\d+)?: \S.*\S/, `unclear line "${line}" for:\n${text}`);
  }
}

describe("fuzzing the config loader", () => {
  it(`${RUNS} documents of the schema's keys with arbitrary values load or are refused with located problems`, () => {
    fc.assert(fc.property(documentValue, (doc) => check(stringify(doc))), { numRuns: RUNS });
  });

  it(`${RUNS} arbitrary texts (YAML-ish and not) are refused or loaded, never crash`, () => {
    const yamlish = fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("server:", "  listen: ", "- ", "&a", "*a", "<<: *a", "{", "}", "[", "]", ": ", "\t", "\n", "  ", "#", "'", '"', "!!binary", "${")), { maxLength: 20 }).map((parts) => parts.join(""));
    fc.assert(fc.property(fc.oneof(yamlish, fc.string({ maxLength: 200 })), (text) => check(text)), { numRuns: RUNS });
  });
});
