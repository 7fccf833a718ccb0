// The exposition parser on a real node_exporter page (the Debian package's, captured into
// test/fixtures) and on hand-written edge cases of both formats: values, escapes,
// timestamps, metadata, exemplars, # EOF, and errors that name their line and column.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ExpositionError } from "../../src/scrape/exposition/exposition-error.js";
import { formatOfContentType, SCRAPE_ACCEPT_HEADER } from "../../src/scrape/exposition/exposition-format.js";
import { parseExposition, type ParsedSample } from "../../src/scrape/exposition/parse-exposition.js";
import { REPO_ROOT } from "../e2e/harness.js";

const text = (page: string) => parseExposition(page, "prometheus-text");
const om = (page: string) => parseExposition(page, "openmetrics");

function fails(parse: () => unknown, line: number, column: number, problem: RegExp): void {
  assert.throws(parse, (err: unknown) => {
    assert.ok(err instanceof ExpositionError, `expected an ExpositionError, got ${String(err)}`);
    assert.equal(err.line, line, `line of: ${err.message}`);
    assert.equal(err.column, column, `column of: ${err.message}`);
    assert.match(err.problem, problem);
    return true;
  });
}

describe("a real node_exporter page (prometheus-node-exporter 1.5)", () => {
  const page = readFileSync(join(REPO_ROOT, "test/fixtures/node-exporter-1.5.txt"), "utf8");
  const { samples, metadata } = text(page);

  it("gives one sample per sample line, with the types of its # TYPE lines", () => {
    const sampleLines = page.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    assert.equal(samples.length, sampleLines.length);
    assert.equal(metadata.get("node_cpu_seconds_total")?.type, "counter");
    assert.equal(metadata.get("go_gc_duration_seconds")?.type, "summary");
    assert.match(metadata.get("node_cpu_seconds_total")?.help ?? "", /Seconds the CPUs spent in each mode/);
  });

  it("reads each sample's name, labels and value as written", () => {
    for (const line of page.split("\n").filter((l) => l !== "" && !l.startsWith("#")).slice(0, 200)) {
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
      const value = line.slice(line.lastIndexOf(" ") + 1);
      const s = samples.find((x) => x.name === name && formatLabels(x) === line.slice(name.length, line.lastIndexOf(" ")));
      assert.ok(s, `no sample for line ${line}`);
      assert.equal(s.value, Number(value));
      assert.equal(s.timestampMs, null);
    }
    const idle = samples.find((s) => s.name === "node_cpu_seconds_total" && s.labels["mode"] === "idle");
    assert.ok(idle && idle.labels["cpu"] !== undefined && idle.value > 0);
  });
});

function formatLabels(s: ParsedSample): string {
  const pairs = Object.entries(s.labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

describe("Prometheus text format 0.0.4", () => {
  it("reads every metric type, special values, ms timestamps, blanks and comments", () => {
    const { samples, metadata } = text(
      [
        "# A plain comment",
        "# HELP http_requests_total The total number of HTTP requests.",
        "# TYPE http_requests_total counter",
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3   1395066363000',
        "",
        "# TYPE rpc_duration_seconds summary",
        'rpc_duration_seconds{quantile="0.99"} 76656',
        "rpc_duration_seconds_sum 1.7560473e+07",
        "rpc_duration_seconds_count 2693",
        "# TYPE http_request_duration_seconds histogram",
        'http_request_duration_seconds_bucket{le="0.05"} 24054',
        'http_request_duration_seconds_bucket{le="+Inf"} 144320',
        "http_request_duration_seconds_sum 53423",
        "  ",
        "metric_without_timestamp_and_labels 12.47",
        "something_weird{problem=\"division by zero\"} +Inf -3982045",
        "nan_value NaN",
        "minus_inf{a=\"b\",} -Inf",
        "\tindented 1e-3",
        "# TYPE up untyped",
        "up 1",
      ].join("\n"),
    );
    const by = (name: string) => samples.filter((s) => s.name === name);
    assert.deepEqual(by("http_requests_total")[1], { name: "http_requests_total", labels: { method: "post", code: "400" }, value: 3, timestampMs: 1395066363000 });
    assert.deepEqual(by("rpc_duration_seconds")[0]!.labels, { quantile: "0.99" });
    assert.equal(by("rpc_duration_seconds_sum")[0]!.value, 1.7560473e7);
    assert.deepEqual(by("http_request_duration_seconds_bucket")[1]!.labels, { le: "+Inf" });
    assert.equal(by("something_weird")[0]!.value, Infinity);
    assert.equal(by("something_weird")[0]!.timestampMs, -3982045);
    assert.ok(Number.isNaN(by("nan_value")[0]!.value));
    assert.deepEqual(by("minus_inf")[0], { name: "minus_inf", labels: { a: "b" }, value: -Infinity, timestampMs: null });
    assert.equal(by("indented")[0]!.value, 0.001);
    assert.equal(metadata.get("http_request_duration_seconds")?.type, "histogram");
    assert.equal(metadata.get("up")?.type, "untyped");
    assert.equal(samples.length, 14);
  });

  it("unescapes \\\\, \\\" and \\n in label values and HELP, and keeps other escapes as written", () => {
    const { samples, metadata } = text(
      ['# HELP m Escapes: \\\\ and \\n in help.', 'm{path="C:\\\\DIR\\\\FILE.TXT",say="\\"hi\\"",lines="a\\nb",other="x\\ty"} 1', ""].join("\n"),
    );
    assert.deepEqual(samples[0]!.labels, { path: "C:\\DIR\\FILE.TXT", say: '"hi"', lines: "a\nb", other: "x\\ty" });
    assert.equal(metadata.get("m")?.help, "Escapes: \\ and \n in help.");
  });

  it("accepts a page without a final newline, an empty page, and # EOF as a mere comment", () => {
    assert.equal(text("a 1").samples.length, 1);
    assert.equal(text("").samples.length, 0);
    assert.equal(text("a 1\n# EOF\nb 2\n").samples.length, 2);
  });

  it("names the line and column of what is wrong", () => {
    fails(() => text('ok 1\nbad{code="200} 1\n'), 2, 17, /unterminated value of label code: expected a closing '"' on this line/);
    fails(() => text("ok 1\nnovalue\n"), 2, 8, /expected a value after novalue/);
    fails(() => text("x twelve\n"), 1, 3, /expected a number .* got "twelve"/);
    fails(() => text('x{a="1",a="2"} 1\n'), 1, 9, /label a appears twice/);
    fails(() => text("x{a=1} 1\n"), 1, 5, /expected '"' to open the value of label a/);
    fails(() => text('x{a="1" b="2"} 1\n'), 1, 9, /expected "," or "}"/);
    fails(() => text("x 1 1.5\n"), 1, 5, /expected a timestamp \(integer milliseconds/);
    fails(() => text("x 1 2 3\n"), 1, 7, /unexpected text after the sample/);
    fails(() => text("# TYPE x counter\n# TYPE x gauge\n"), 2, 8, /second # TYPE line for x/);
    fails(() => text("# TYPE x stateset\n"), 1, 10, /unknown metric type "stateset"; expected one of counter, gauge, histogram, summary, untyped/);
    fails(() => text("9lives 1\n"), 1, 1, /expected a metric name/);
    fails(() => text('x{a="1"\n'), 1, 8, /expected "," or "}" after the value of label a/);
    fails(() => text('x{a="1",\n'), 1, 9, /expected "}" to close the labels/);
    fails(() => text('x 1 # {a="b"} 1\n'), 1, 5, /exemplars are OpenMetrics only/);
  });
});

describe("OpenMetrics text 1.0", () => {
  it("reads counters with _total and _created, seconds timestamps, UNIT, info and stateset; drops exemplars", () => {
    const { samples, metadata } = om(
      [
        "# TYPE acme_http_router_request_seconds summary",
        "# UNIT acme_http_router_request_seconds seconds",
        "# HELP acme_http_router_request_seconds Latency \\\"quoted\\\".",
        'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32',
        'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
        'acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0',
        "# TYPE foo counter",
        'foo_total{a="b"} 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67',
        'foo_created{a="b"} 1520872607.123',
        "# TYPE hist histogram",
        'hist_bucket{le="0.1"} 8 # {trace_id="x"} 0.05 1520879607.789',
        'hist_bucket{le="+Inf"} 17',
        "hist_count 17",
        "hist_sum 324789.3",
        "# TYPE build info",
        'build_info{version="1.2"} 1',
        "# TYPE state stateset",
        'state{state="a"} 1',
        'state{state="b"} 0',
        "# EOF",
      ].join("\n"),
    );
    const foo = samples.find((s) => s.name === "foo_total")!;
    assert.deepEqual(foo, { name: "foo_total", labels: { a: "b" }, value: 17, timestampMs: 1520879607789 });
    assert.equal(samples.find((s) => s.name === "foo_created")!.value, 1520872607.123);
    assert.equal(samples.filter((s) => s.name === "hist_bucket").length, 2);
    assert.equal(metadata.get("acme_http_router_request_seconds")?.unit, "seconds");
    assert.equal(metadata.get("acme_http_router_request_seconds")?.help, 'Latency "quoted".');
    assert.equal(samples.length, 12);
  });

  it("requires # EOF, last, and nothing after it", () => {
    fails(() => om("# TYPE a gauge\na 1\n"), 3, 1, /expected # EOF as the last line/);
    fails(() => om("a 1\n# EOF\nb 2\n"), 3, 1, /unexpected content after # EOF/);
    assert.equal(om("a 1\n# EOF\n").samples.length, 1);
    assert.equal(om("a 1\n# EOF").samples.length, 1);
  });

  it("refuses what OpenMetrics forbids, naming line and column", () => {
    fails(() => om("a 1\n\nb 1\n# EOF\n"), 2, 1, /empty line/);
    fails(() => om("# just a comment\n# EOF\n"), 1, 3, /expected # HELP, # TYPE, # UNIT or # EOF/);
    fails(() => om("# TYPE g gauge\ng 1 # {a=\"b\"} 1\n# EOF\n"), 2, 5, /exemplar is allowed only on a counter's _total or a histogram's _bucket/);
    fails(() => om("# TYPE h histogram\nh_bucket 1\n# EOF\n"), 2, 1, /histogram bucket h_bucket has no "le" label/);
    fails(() => om("# TYPE s summary\ns 1\n# EOF\n"), 2, 1, /summary s has no "quantile" label/);
    fails(() => om("# TYPE x_seconds gauge\n# UNIT x_seconds bytes\n# EOF\n"), 2, 18, /unit "bytes" must be the suffix of the metric name x_seconds/);
    fails(() => om("a 1\nb 1\na 2\n# EOF\n"), 3, 1, /metric family a appears again after other families/);
    fails(() => om("a 1 1.5.5\n# EOF\n"), 1, 5, /expected a timestamp \(seconds since the epoch\)/);
  });

  it("is chosen by the response's Content-Type, which Prometheus' Accept header asks for first", () => {
    assert.equal(formatOfContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"), "openmetrics");
    assert.equal(formatOfContentType("text/plain; version=0.0.4; charset=utf-8"), "prometheus-text");
    assert.equal(formatOfContentType(null), "prometheus-text");
    assert.match(SCRAPE_ACCEPT_HEADER, /^application\/openmetrics-text;version=1\.0\.0,.*text\/plain;version=0\.0\.4;q=0\.5/);
  });
});
