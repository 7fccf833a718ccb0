import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, type ConfigProblem } from "../../src/config/config-error.js";
import { findDefaultConfig, loadConfigFile, parseConfig } from "../../src/config/load.js";

// Tests run from dist/test/config; the fixture stays in the source tree.
const designExample = fileURLToPath(new URL("../../../test/fixtures/design-example.yaml", import.meta.url));

function problemsOf(text: string, env: Record<string, string | undefined> = {}): ConfigProblem[] {
  try {
    parseConfig(text, { file: "vigil.yaml", env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

function withTempDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "vigil-config-"));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the DESIGN.md example validates and carries every default, durations in ms", () => {
  const config = parseConfig(readFileSync(designExample, "utf8"), { file: designExample, env: {} });
  assert.deepEqual(config, {
    server: { listen: "127.0.0.1:7070", agentAuth: "auto", data: "./vigil-data", replica: { lease: { ttl: 4000, renewInterval: 1000, retryTimeout: 2000 } }, evaluationInterval: 1000, forecastInterval: 15_000, auth: { mode: "auto", sessionTtl: 43_200_000 } },
    agent: { heartbeatInterval: 500, collectInterval: 1000, outboxMaxMessages: 100_000 },
    services: [
      {
        name: "db",
        node: "node-a",
        run: {
          command: "node -e \"require('http').createServer((q, s) => s.end('ok')).listen(8082)\"",
          env: {},
          stopTimeout: 5000,
        },
        health: { tcp: "127.0.0.1:8082", interval: 500, timeout: 300, failures: 2, successes: 1, startPeriod: 5000 },
        dependsOn: [],
        labels: {},
      },
      {
        name: "api",
        node: "node-a",
        run: { command: "node server.js", cwd: "./api", env: { PORT: "8081" }, stopTimeout: 5000 },
        health: { http: "http://127.0.0.1:8081/healthz", interval: 500, timeout: 300, failures: 2, successes: 1, startPeriod: 5000 },
        dependsOn: ["db"],
        recovery: "restart-then-escalate",
        labels: {},
      },
    ],
    playbooks: {
      "restart-then-escalate": {
        steps: ["restart", { verify: { healthyFor: 2000, within: 15_000 } }, "escalate"],
        limits: { attempts: 3, within: 600_000, backoff: { initial: 1000, max: 300_000 } },
      },
    },
    rules: [
      {
        name: "HighCpu",
        kind: "threshold",
        metric: "node_cpu_usage_ratio",
        labels: {},
        above: 0.9,
        for: 30_000,
        keepFiringFor: 0,
        severity: "warning",
        annotations: {},
      },
    ],
    notify: {
      receivers: {
        oncall: { webhook: { url: "http://127.0.0.1:9000/hook", timeout: 5000, maxAttempts: 10, headers: {} } },
      },
      groupBy: ["alertname", "service", "node"],
      groupWait: 1000,
      groupInterval: 10_000,
      repeatInterval: 4 * 3_600_000,
      routes: [{ match: { severity: "critical" }, matchers: [], continue: false, receiver: "oncall", routes: [] }],
      inhibitRules: [],
      dependencyInhibition: true,
      flapping: { changes: 6, within: 600_000, settle: 300_000 },
    },
    maintenance: [],
    scrape: [],
    recovery: { mode: "act", maxConcurrentActions: 4 },
    incidents: { correlationWindow: 120_000, sameNodeWindow: 10_000, dependentGrace: 10_000 },
    failureDetector: {
      window: 1000,
      suspectPhi: 3,
      suspicion: {},
      indirectProbes: 3,
      probeTimeout: 300,
      tick: 100,
      unreachableRecheck: 5000,
      udpHeartbeats: { enabled: true },
      isolation: { share: 0.5, minNodes: 3 },
    },
    tsdb: {
      retention: 7 * 86_400_000,
      downsampling: [
        { resolution: 60_000, retention: 30 * 86_400_000 },
        { resolution: 3_600_000, retention: 365 * 86_400_000 },
      ],
      checkpointInterval: 5000,
      maxMemoryBytes: 256 * 1024 * 1024,
    },
  });
});

test("loading the example file resolves its relative paths against the file's directory", () => {
  const config = loadConfigFile(designExample, {});
  const dir = dirname(designExample);
  assert.equal(config.server.data, join(dir, "vigil-data"));
  assert.equal(config.services[1]!.run!.cwd, join(dir, "api"));
  assert.equal("cwd" in config.services[0]!.run!, false, "a cwd that was not written stays absent");
});

test("every problem in a config is reported at once, at its line and column", () => {
  const lines = [
    /*  1 */ "services:",
    /*  2 */ "  - name: db",
    /*  3 */ '    helth: { tcp: "127.0.0.1:8082" }',
    /*  4 */ '    health: { tcp: "127.0.0.1:8082", interval: 5x }',
    /*  5 */ "  - name: api",
    /*  6 */ '    health: { http: "http://127.0.0.1:8081/healthz", failures: two }',
    /*  7 */ "    dependsOn: [db, cache]",
    /*  8 */ "    recovery: restart-twice",
    /*  9 */ "  - node: node-a",
    /* 10 */ "    run: { command: worker }",
    /* 11 */ "  - name: a",
    /* 12 */ "    dependsOn: [b]",
    /* 13 */ "  - name: b",
    /* 14 */ "    dependsOn: [a]",
    /* 15 */ "rules:",
    /* 16 */ "  - name: HighCpu",
    /* 17 */ "    metric: node_cpu_usage_ratio",
    /* 18 */ "    above: 0.9",
    /* 19 */ "    severity: urgent",
    /* 20 */ "notify:",
    /* 21 */ "  routes:",
    /* 22 */ "    - receiver: pager",
  ];
  /** Line n, at the column where `text` starts on it. */
  const at = (line: number, text: string) => {
    const index = lines[line - 1]!.indexOf(text);
    assert.ok(index >= 0, `${JSON.stringify(text)} is on line ${line}`);
    return { line, column: index + 1 };
  };
  const problems = problemsOf(lines.join("\n") + "\n");
  assert.deepEqual(problems, [
    {
      path: "services[0]",
      message: 'unknown key "helth" (expected one of: name, node, run, pidfile, health, dependsOn, recovery, labels, standby, promote, snapshot, proxy, restore, commands, cleanup, commandTimeout, limits, slo)',
      ...at(3, "helth"),
    },
    { path: "services[0].health.interval", message: 'expected a duration such as "1s", got "5x"', ...at(4, "5x") },
    { path: "services[1].health.failures", message: 'expected a number, got "two"', ...at(6, "two") },
    {
      path: "services[1].dependsOn[1]",
      message: "unknown service \"cache\" (defined services: db, api, a, b)",
      ...at(7, "cache"),
    },
    {
      path: "services[1].recovery",
      message:
        'unknown playbook "restart-twice" (no playbooks are defined; "default" for the default one, "none" to turn healing off)',
      ...at(8, "restart-twice"),
    },
    // The key is absent, so the problem sits where the service's mapping starts.
    { path: "services[2]", message: 'missing required key "name" (expected a string)', ...at(9, "node") },
    { path: "services[4].dependsOn[0]", message: "dependency cycle: a -> b -> a", ...at(14, "a]") },
    {
      path: "rules[0].severity",
      message: 'expected one of "info", "warning", "critical", got "urgent"',
      ...at(19, "urgent"),
    },
    {
      path: "notify.routes[0].receiver",
      message: 'unknown receiver "pager" (no receivers are defined)',
      ...at(22, "pager"),
    },
  ]);
});

test("the error message lists each problem as file:line:column: path: message", () => {
  const text = ["server:", "  listen: 127.0.0.1:7070", "  evaluationInterval: 5x", "  extra: 1", ""].join("\n");
  assert.throws(
    () => parseConfig(text, { file: "vigil.yaml", env: {} }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.file, "vigil.yaml");
      assert.equal(
        error.message,
        [
          'vigil.yaml:3:23: server.evaluationInterval: expected a duration such as "1s", got "5x"',
          'vigil.yaml:4:3: server: unknown key "extra" (expected one of: listen, tls, agentAuth, data, storage, replica, evaluationInterval, forecastInterval, staleAfter, externalURL, auth)',
        ].join("\n"),
      );
      return true;
    },
  );
});

test("schema problems in unions, record keys, sizes and refinements read plainly", () => {
  const text = [
    /* 1 */ "services:",
    /* 2 */ "  - name: web",
    /* 3 */ "    health: { http: localhost:8080/healthz, failures: 0 }",
    /* 4 */ "  - name: worker",
    /* 5 */ '    health: { tcp: "127.0.0.1:1", exec: "true" }',
    /* 6 */ "    run: { command: '' }",
    /* 7 */ "playbooks:",
    /* 8 */ "  careful:",
    /* 9 */ "    steps: [restrat, { verify: { within: 5y } }]",
    /*10 */ "  bad name: { steps: [] }",
    /*11 */ "  empty: { steps: [] }",
    /*12 */ "agent:",
    "",
  ].join("\n");
  const messages = problemsOf(text).map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  assert.deepEqual(messages, [
    '3:21 services[0].health.http: expected a URL such as "http://127.0.0.1:8080/healthz", got "localhost:8080/healthz"',
    "3:55 services[0].health.failures: expected at least 1, got 0",
    "5:13 services[1].health: expected exactly one of http, tcp, exec or process",
    "6:21 services[1].run.command: must not be empty",
    '9:13 playbooks.careful.steps[0]: expected an action name (restart, stop, start, kill, failover, restore, clean-disk), escalate, { verify: {...} } or { do: ACTION, ... }, got "restrat"',
    '9:42 playbooks.careful.steps[1].verify.within: expected a duration such as "1s", got "5y"',
    `10:3 playbooks["bad name"]: invalid key: expected a name of letters, digits, '.', '_', ':' or '-', got "bad name"`,
    "11:19 playbooks.empty.steps: expected at least 1 entry, got 0",
    "12:1 agent: expected a mapping, got an empty value",
  ]);
});

test("several unknown keys in one mapping are each reported at the key", () => {
  const problems = problemsOf("agent:\n  hartbeatInterval: 1s\n  colectInterval: 1s\n");
  assert.deepEqual(
    problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`),
    [
      '2:3 agent: unknown key "hartbeatInterval" (expected one of: heartbeatInterval, collectInterval, outboxMaxMessages, tls)',
      '3:3 agent: unknown key "colectInterval" (expected one of: heartbeatInterval, collectInterval, outboxMaxMessages, tls)',
    ],
  );
});

test("anchors, aliases and merge keys share settings between services", () => {
  const config = parseConfig(
    [
      "services:",
      "  - name: api",
      "    health: &probe { http: \"http://127.0.0.1:8081/\", interval: 250ms }",
      "  - name: admin",
      "    health:",
      "      <<: *probe",
      "      timeout: 100ms",
      "",
    ].join("\n"),
    { env: {} },
  );
  assert.equal(config.services[1]!.health!.http, "http://127.0.0.1:8081/");
  assert.equal(config.services[1]!.health!.interval, 250);
  assert.equal(config.services[1]!.health!.timeout, 100);
});

test("a YAML syntax error is reported at its line, before anything else is checked", () => {
  const text = ["services:", "  - name: db", "    dependsOn: [a, b", "  - name: api", ""].join("\n");
  const problems = problemsOf(text);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.line, 4);
  assert.match(problems[0]!.message, /^invalid YAML: /);
  assert.doesNotMatch(problems[0]!.message, /\n/, "one line, without the source excerpt");

  const duplicate = problemsOf("server:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n");
  assert.deepEqual(duplicate, [{ path: "", message: "invalid YAML: Map keys must be unique", line: 3, column: 3 }]);
});

test("an alias to no anchor is a problem at the alias", () => {
  assert.deepEqual(problemsOf("services:\n  - *svc\n"), [
    { path: "", message: "invalid YAML: alias *svc names no anchor &svc before it", line: 2, column: 5 },
  ]);
});

test("an empty file is a config of defaults; a file that is not a mapping is rejected", () => {
  const config = parseConfig("# nothing configured yet\n", { env: {} });
  assert.equal(config.server.listen, "127.0.0.1:7070");
  assert.deepEqual(config.services, []);
  assert.deepEqual(problemsOf("- a\n- b\n"), [{ path: "", message: "expected a mapping, got a list", line: 1, column: 1 }]);
});

test("relative paths in a config file resolve against the file's directory, absolute ones are kept", () => {
  withTempDir((dir) => {
    const configDir = join(dir, "etc", "vigil");
    mkdirSync(configDir, { recursive: true });
    const file = join(configDir, "vigil.yaml");
    const absolutePidfile = join(dir, "run", "db.pid");
    writeFileSync(
      file,
      [
        "server: { data: ../../var/vigil }",
        "services:",
        "  - name: api",
        "    run: { command: node server.js, cwd: ./api }",
        "    pidfile: api.pid",
        "  - name: db",
        `    pidfile: ${JSON.stringify(absolutePidfile)}`,
        "  - name: cron",
        "    run: { command: ./cron.sh }",
        "",
      ].join("\n"),
    );
    const config = loadConfigFile(file, {});
    assert.equal(config.server.data, join(dir, "var", "vigil"));
    assert.equal(config.services[0]!.run!.cwd, join(configDir, "api"));
    assert.equal(config.services[0]!.pidfile, join(configDir, "api.pid"));
    assert.equal(config.services[1]!.pidfile, absolutePidfile);
    assert.equal(config.services[2]!.run!.cwd, undefined);
    assert.equal(config.services[2]!.run!.command, "./cron.sh", "commands are not paths and stay as written");

    // The default data directory, too, is next to the config, not wherever vigil was started.
    writeFileSync(file, "services: []\n");
    assert.equal(loadConfigFile(file, {}).server.data, join(configDir, "vigil-data"));
  });
});

test("a config file that cannot be read is a ConfigError naming the file", () => {
  withTempDir((dir) => {
    const missing = join(dir, "vigil.yaml");
    assert.throws(() => loadConfigFile(missing), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, `${missing}: cannot read the config file: no such file`);
      return true;
    });
    assert.throws(() => loadConfigFile(dir), {
      name: "ConfigError",
      message: `${dir}: cannot read the config file: it is a directory`,
    });
  });
});

test("problems in a file carry the file name as given", () => {
  withTempDir((dir) => {
    const file = join(dir, "vigil.yml");
    writeFileSync(file, "rules:\n  - { name: Hot, metric: cpu, above: 1, for: soon }\n");
    assert.throws(() => loadConfigFile(file, {}), {
      message: `${file}:2:46: rules[0].for: expected a duration such as "1s", got "soon"`,
    });
  });
});

test("the default config is vigil.yaml, else vigil.yml, in the given directory", () => {
  withTempDir((dir) => {
    assert.equal(findDefaultConfig(dir), null);
    mkdirSync(join(dir, "vigil.yaml"));
    assert.equal(findDefaultConfig(dir), null, "a directory named vigil.yaml is not a config");
    writeFileSync(join(dir, "vigil.yml"), "");
    assert.equal(findDefaultConfig(dir), join(dir, "vigil.yml"));
    rmSync(join(dir, "vigil.yaml"), { recursive: true });
    writeFileSync(join(dir, "vigil.yaml"), "");
    assert.equal(findDefaultConfig(dir), join(dir, "vigil.yaml"));
  });
});

test("a rule whose band is inverted (above < below) is refused at its position", () => {
  assert.throws(
    () => parseConfig("rules:\n  - { name: Band, metric: m, above: 0.2, below: 0.8 }\n", { file: "vigil.yaml" }),
    (err: Error) => /vigil\.yaml:2:\d+: rules\[0\]: above is less than below/.test(err.message),
  );
});

test("a receiver template that does not compile is a config error at its position", () => {
  const text = [
    "notify:",
    "  receivers:",
    "    chat:",
    "      slack: { url: \"http://127.0.0.1:9/hook\", title: \"{{#if status}}unclosed\" }",
    "",
  ].join("\n");
  assert.throws(
    () => parseConfig(text, { file: "vigil.yaml" }),
    (err: Error) => /vigil\.yaml:4:\d+: notify\.receivers\.chat\.slack\.title: /.test(err.message),
  );
});


test("rules of kind anomaly and forecast are read, and a broken one is explained in its own terms", () => {
  const config = parseConfig(
    [
      "rules:",
      "  - { name: HighCpu, metric: node_cpu_usage_ratio, above: 0.9 }",
      "  - { name: LatencyAnomaly, kind: anomaly, metric: probe_seconds, sensitivity: high, for: 1m }",
      "  - { name: DiskWillFill, forecast: { metric: node_filesystem_free_bytes, limit: 0, within: 1h } }",
      "",
    ].join("\n"),
  );
  assert.deepEqual(config.rules.map((r) => r.kind), ["threshold", "anomaly", "forecast"]);
  const forecast = config.rules[2]!;
  assert.ok(forecast.kind === "forecast");
  assert.deepEqual(forecast.forecast, { metric: "node_filesystem_free_bytes", labels: {}, limit: 0, within: 3_600_000, window: 1_800_000, minConfidence: 0.5 });

  assert.throws(
    () => parseConfig("rules:\n  - { name: A, kind: anomaly, metric: m, sensitivity: extreme }\n", { file: "vigil.yaml" }),
    (err: Error) => /vigil\.yaml:2:\d+: rules\[0\]\.sensitivity: /.test(err.message),
  );
  assert.throws(
    () => parseConfig("rules:\n  - { name: B, forecast: { metric: m, limit: 5, within: 1h } }\n", { file: "vigil.yaml" }),
    (err: Error) => /rules\[0\]\.forecast: direction \("down" or "up"\) is required when limit is not 0/.test(err.message),
  );
});

test("a service's slo: target in (0, 100) and a window (default 30d); standby: a list of nodes", () => {
  const config = parseConfig(
    [
      "services:",
      "  - { name: db, slo: { target: 99.9 }, standby: [node-c] }",
      "  - { name: api, slo: { target: 99.5, window: 7d } }",
      "  - { name: web }",
      "",
    ].join("\n"),
  );
  assert.deepEqual(config.services.map((s) => s.slo), [{ target: 99.9, window: 30 * 86_400_000 }, { target: 99.5, window: 7 * 86_400_000 }, undefined]);
  assert.deepEqual(config.services[0]!.standby, ["node-c"]);
  assert.equal(config.services[1]!.standby, undefined);

  for (const [target, reason] of [
    ["100", "expected a percentage above 0 and below 100, such as 99.9 (100 leaves no error budget)"],
    ["0", "expected a percentage above 0 and below 100, such as 99.9"],
    ["'high'", "expected a percentage such as 99.9"],
  ]) {
    assert.throws(
      () => parseConfig(`services:\n  - { name: db, slo: { target: ${target} } }\n`, { file: "vigil.yaml" }),
      (err: Error) => err.message.startsWith(`vigil.yaml:2:`) && err.message.includes(`services[0].slo.target: ${reason}`),
      `target ${target}`,
    );
  }
  assert.throws(
    () => parseConfig("services:\n  - { name: db, slo: { target: 99, window: soon } }\n", { file: "vigil.yaml" }),
    (err: Error) => err.message.includes('services[0].slo.window: expected a duration such as "1s", got "soon"'),
  );
});

test("server.tls and agent.tls: paths relative to the config file, clientCerts defaulting by ca, and readable errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-config-tls-"));
  const file = join(dir, "vigil.yaml");
  writeFileSync(file, ["server:", "  tls: { cert: certs/server.crt, key: certs/server.key, ca: /abs/ca.crt }", "agent:", "  tls: { ca: certs/ca.crt }", ""].join("\n"));
  const config = loadConfigFile(file);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(config.server.tls, { cert: join(dir, "certs/server.crt"), key: join(dir, "certs/server.key"), ca: "/abs/ca.crt", clientCerts: "optional" });
  assert.deepEqual(config.agent.tls, { ca: join(dir, "certs/ca.crt") });
  assert.equal(parseConfig("server: { tls: { cert: a, key: b } }\n", { file: "/x/vigil.yaml", env: {} }).server.tls?.clientCerts, "off");
  assert.throws(
    () => parseConfig("server: { tls: { cert: a, key: b, clientCerts: require } }\n", { file: "vigil.yaml", env: {} }),
    /server\.tls\.ca: clientCerts require and optional need ca/,
  );
  assert.throws(() => parseConfig("server: { agentAuth: maybe }\n", { file: "vigil.yaml", env: {} }), /server\.agentAuth: /);
});

test("failureDetector.udpHeartbeats: on by default on the listen port; a port out of range or an unknown key is refused at its path", () => {
  assert.deepEqual(parseConfig("failureDetector: { udpHeartbeats: { port: 7171 } }\n", { env: {} }).failureDetector.udpHeartbeats, { enabled: true, port: 7171 });
  assert.deepEqual(parseConfig("failureDetector: { udpHeartbeats: { enabled: false } }\n", { env: {} }).failureDetector.udpHeartbeats, { enabled: false });
  const problems = problemsOf("failureDetector:\n  udpHeartbeats: { port: 70000, via: udp }\n");
  assert.deepEqual(
    problems.map((p) => p.path).sort(),
    ["failureDetector.udpHeartbeats", "failureDetector.udpHeartbeats.port"].sort(),
    JSON.stringify(problems),
  );
});

test("server.storage takes a PostgreSQL URL (from the environment too), is no path, and refuses anything else", () => {
  const config = parseConfig('server: { storage: "postgres://vigil:${DB_PASS}@db:5432/vigil", data: ./d }', { env: { DB_PASS: "pw" } });
  assert.equal(config.server.storage, "postgres://vigil:pw@db:5432/vigil");
  assert.equal(parseConfig("", { env: {} }).server.storage, undefined, "no default: SQLite unless $VIGIL_DATABASE_URL");
  withTempDir((dir) => {
    const file = join(dir, "vigil.yaml");
    writeFileSync(file, "server: { storage: postgresql://db/vigil }\n");
    assert.equal(loadConfigFile(file, {}).server.storage, "postgresql://db/vigil", "a URL is not resolved against the file's directory");
  });
  assert.throws(
    () => parseConfig("server: { storage: ./vigil.db }", { file: "vigil.yaml", env: {} }),
    /server.storage: expected a PostgreSQL URL such as "postgres:\/\/vigil:\$\{VIGIL_DB_PASSWORD\}@db:5432\/vigil"/,
  );
});

test("server.replica: the lease must keep Patroni's rule, names and URLs are checked", () => {
  const config = parseConfig("server:\n  replica: { name: r1, advertiseURL: \"http://10.0.0.5:7070\", lease: { ttl: 6s } }\n", { file: "vigil.yaml", env: {} });
  assert.deepEqual(config.server.replica, { name: "r1", advertiseURL: "http://10.0.0.5:7070", lease: { ttl: 6000, renewInterval: 1000, retryTimeout: 2000 } });
  assert.throws(
    () => parseConfig("server:\n  replica:\n    lease: { ttl: 3s, renewInterval: 1s, retryTimeout: 2s }\n", { file: "vigil.yaml", env: {} }),
    /server\.replica\.lease: renewInterval \+ retryTimeout must be less than ttl/,
  );
  assert.throws(() => parseConfig("server:\n  replica: { name: \"r 1\" }\n", { file: "vigil.yaml", env: {} }), /server\.replica\.name: expected 1–128 letters/);
  assert.throws(() => parseConfig("server:\n  replica: { advertiseURL: \"ws://x:1\" }\n", { file: "vigil.yaml", env: {} }), /server\.replica\.advertiseURL: expected an http:\/\/ or https:\/\/ base URL/);
});
