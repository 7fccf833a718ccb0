import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSeriesCsv, parseTimestamp, SeriesCsvError } from "../../../src/detect/anomaly/series-csv.js";

test("timestamps: NAB's form is UTC, ISO 8601 with or without a zone, fractions kept to the millisecond", () => {
  assert.equal(parseTimestamp("2014-04-01 00:05:00"), Date.UTC(2014, 3, 1, 0, 5));
  assert.equal(parseTimestamp("2014-04-01T00:05:00Z"), Date.UTC(2014, 3, 1, 0, 5));
  assert.equal(parseTimestamp("2014-04-01T02:05:00+02:00"), Date.UTC(2014, 3, 1, 0, 5));
  assert.equal(parseTimestamp("2014-04-01T00:05:00.250-0130"), Date.UTC(2014, 3, 1, 1, 35, 0, 250));
  assert.equal(parseTimestamp("2014-04-01 00:05"), Date.UTC(2014, 3, 1, 0, 5));
  assert.equal(parseTimestamp("2014-04-01"), Date.UTC(2014, 3, 1));
  for (const bad of ["2014-02-30 00:00:00", "2014-13-01 00:00:00", "2014-04-01 24:00:00", "yesterday", "1396310400", ""]) {
    assert.equal(parseTimestamp(bad), null, bad);
  }
});

test("rows keep the timestamp text; CRLF, blank lines, quotes and extra columns are accepted", () => {
  const rows = parseSeriesCsv('timestamp,value,note\r\n"2014-04-01 00:00:00",1.5,a\r\n\r\n2014-04-01T00:05:00Z, -2e3 ,b\r\n');
  assert.deepEqual(rows, [
    { timestampText: "2014-04-01 00:00:00", ts: Date.UTC(2014, 3, 1), value: 1.5 },
    { timestampText: "2014-04-01T00:05:00Z", ts: Date.UTC(2014, 3, 1, 0, 5), value: -2000 },
  ]);
  assert.deepEqual(parseSeriesCsv("value,timestamp\n3,2014-04-01 00:00:00\n")[0]!.value, 3);
});

test("every problem names its line and what is wrong", () => {
  const cases: [string, number, RegExp][] = [
    ["", 1, /empty/],
    ["time,val\n2014-04-01 00:00:00,1\n", 1, /header with the columns timestamp and value, got "time,val"/],
    ["timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00\n", 3, /expected 2 comma-separated fields/],
    ["timestamp,value\n\n2014-04-01 00:00:00,1\n2014-04-31 00:05:00,2\n", 4, /timestamp "2014-04-31 00:05:00" is not a date-time/],
    ["timestamp,value\n2014-04-01 00:00:00,abc\n", 2, /value "abc" is not a finite number/],
    ["timestamp,value\n2014-04-01 00:00:00,\n", 2, /value "" is not a finite number/],
    ["timestamp,value\n2014-04-01 00:00:00,NaN\n", 2, /value "NaN"/],
  ];
  for (const [text, line, message] of cases) {
    assert.throws(
      () => parseSeriesCsv(text),
      (err: unknown) => err instanceof SeriesCsvError && err.line === line && message.test(err.message) && err.message.startsWith(`line ${line}: `),
      JSON.stringify(text),
    );
  }
});
