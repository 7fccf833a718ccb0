// Secrets never reach a log line: fields holding credentials are censored by path, and
// Vigil tokens and the config's secret values are scrubbed from every line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { parseConfig } from "../../src/config/load.js";
import { configSecrets } from "../../src/config/secrets.js";
import { newApiToken, newSessionId } from "../../src/server/auth/credentials.js";
import { createLogger } from "../../src/util/logger.js";
import { SecretScrubber } from "../../src/util/secrets.js";

function capture(): { stream: Writable; lines: () => string } {
  let out = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  return { stream, lines: () => out };
}

test("the config's secrets: SMTP passwords, webhook header values and URL passwords, Slack URLs", () => {
  const config = parseConfig(
    [
      "notify:",
      "  receivers:",
      '    mail: { email: { to: ["ops@example.com"], from: "vigil@example.com", smtp: { host: "127.0.0.1", user: "u", password: "${SMTP_PASSWORD}" } } }',
      '    hook: { webhook: { url: "http://bob:${HOOK_PASS}@127.0.0.1:9/x", headers: { authorization: "Bearer ${HOOK_TOKEN}" } } }',
      '    chat: { slack: { url: "https://hooks.slack.com/services/T000/B000/XYZSECRET" } }',
    ].join("\n"),
    { env: { SMTP_PASSWORD: "sm7p-pa55", HOOK_PASS: "h00k-pass", HOOK_TOKEN: "tok-12345" } },
  );
  const secrets = configSecrets(config);
  for (const s of ["sm7p-pa55", "h00k-pass", "Bearer tok-12345", "tok-12345", "https://hooks.slack.com/services/T000/B000/XYZSECRET"]) {
    assert.ok(secrets.includes(s), `${s} in ${JSON.stringify(secrets)}`);
  }
});

test("the PostgreSQL storage URL's password, from server.storage or else VIGIL_DATABASE_URL", () => {
  const config = parseConfig('server: { storage: "postgres://vigil:${DB_PASS}@db:5432/vigil" }', { env: { DB_PASS: "pg-pa55%21" } });
  assert.deepEqual(configSecrets(config, {}), ["pg-pa55%21", "pg-pa55!"]);
  const fromEnv = configSecrets(parseConfig("", { env: {} }), { VIGIL_DATABASE_URL: "postgresql://vigil:env-secret@db/vigil" });
  assert.deepEqual(fromEnv, ["env-secret", "env-secret"]);
  assert.deepEqual(configSecrets(parseConfig("", { env: {} }), {}), []);
});

test("a logged line has no token, session id, authorization header or registered secret", () => {
  const token = newApiToken();
  const session = newSessionId();
  const out = capture();
  const logger = createLogger({ level: "debug", secrets: ["sm7p-pa55", 'quo"te\\pass'], destination: out.stream });
  logger.info({ req: { headers: { authorization: `Bearer ${token}`, cookie: `vigil_session=${session}` } } }, "request");
  logger.warn({ token, smtp: { password: "sm7p-pa55" } }, "config");
  logger.error(`login failed for ${token} with password sm7p-pa55 and quo"te\\pass; session ${session}`);
  logger.error({ err: new Error(`connect failed: user:sm7p-pa55@host`) }, "notify failed");
  const text = out.lines();
  assert.equal(text.split("\n").filter(Boolean).length, 4);
  for (const secret of [token, token.slice(4), session, "sm7p-pa55", 'quo\\"te\\\\pass']) assert.ok(!text.includes(secret), `${secret} leaked:\n${text}`);
  assert.match(text, /<redacted>/);
});

test("the scrubber leaves text without secrets alone and does not take short values", () => {
  const s = new SecretScrubber(["abc", "longer-secret"]);
  assert.equal(s.scrub("abc and nothing else"), "abc and nothing else");
  assert.equal(s.scrub("x longer-secret y"), "x <redacted> y");
});
