// The exposition parser: Prometheus text format 0.0.4 and OpenMetrics text 1.0 in one
// pass over the page, without splitting it into lines. Samples come out with their own
// labels (no target labels yet) and timestamps in ms; `# HELP`/`# TYPE`/`# UNIT` become
// metadata; exemplars are checked and dropped. The first fault throws an ExpositionError
// naming its line and column: a page is stored whole or not at all.
import type { Labels } from "../../tsdb/series-store.js";
import { ExpositionError } from "./exposition-error.js";
import type { ExpositionFormat } from "./exposition-format.js";
import { parseFloatToken, parseMillisecondsToken, parseSecondsToken } from "./float-value.js";
import { OPENMETRICS_TYPES, PROMETHEUS_TEXT_TYPES, exemplarAllowed, familySuffix, type MetricType } from "./metric-families.js";

export interface ParsedSample {
  name: string;
  labels: Labels;
  value: number;
  /** The sample's own timestamp in ms, or null (the scrape's time applies). */
  timestampMs: number | null;
}

export interface MetricMetadata {
  type?: MetricType;
  help?: string;
  unit?: string;
}

export interface ParsedExposition {
  samples: ParsedSample[];
  /** By family name, from the `# TYPE`, `# HELP` and `# UNIT` lines. */
  metadata: Map<string, MetricMetadata>;
}

const NL = 10;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;
const EQUALS = 61;

const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);
const isLabelStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isLabelChar = (c: number) => isLabelStart(c) || (c >= 48 && c <= 57);

/** The family an OpenMetrics sample is being read in: samples of one family must be together. */
interface OpenFamily {
  name: string;
  type: MetricType;
}

/** Parses a whole page in `format`; throws ExpositionError at the first fault. */
export function parseExposition(text: string, format: ExpositionFormat): ParsedExposition {
  return new Parser(text, format).parse();
}

class Parser {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly om: boolean;
  private readonly samples: ParsedSample[] = [];
  private readonly metadata = new Map<string, MetricMetadata>();
  /** OpenMetrics only: the family being read, and those already finished. */
  private family: OpenFamily | null = null;
  private readonly finishedFamilies = new Set<string>();

  constructor(
    private readonly text: string,
    format: ExpositionFormat,
  ) {
    this.om = format === "openmetrics";
  }

  parse(): ParsedExposition {
    const { text } = this;
    let sawEof = false;
    while (this.pos < text.length) {
      if (sawEof) this.fail("unexpected content after # EOF; it must be the last line");
      const c = text.charCodeAt(this.pos);
      if (c === NL) {
        if (this.om) this.fail("empty line; OpenMetrics allows none");
        this.nextLine();
        continue;
      }
      if (!this.om && (c === SPACE || c === TAB)) {
        this.skipBlanks();
        if (this.atLineEnd()) {
          this.endLine();
          continue;
        }
      }
      if (text.charCodeAt(this.pos) === HASH) sawEof = this.comment();
      else this.sample();
    }
    if (this.om && !sawEof) this.fail("expected # EOF as the last line of an OpenMetrics page");
    return { samples: this.samples, metadata: this.metadata };
  }

  // ---- lines -------------------------------------------------------------------------

  /** A `#` line; returns true for OpenMetrics' `# EOF`. */
  private comment(): boolean {
    const { text } = this;
    this.pos++; // '#'
    if (text.charCodeAt(this.pos) !== SPACE && this.om) this.fail('expected a space after "#"');
    this.skipBlanks();
    const keywordStart = this.pos;
    while (this.pos < text.length && isNameChar(text.charCodeAt(this.pos))) this.pos++;
    const keyword = text.slice(keywordStart, this.pos);
    if (this.om && keyword === "EOF") {
      this.skipBlanks();
      if (!this.atLineEnd()) this.fail('expected nothing after "# EOF"');
      this.endLine();
      return true;
    }
    const isMetadata = keyword === "HELP" || keyword === "TYPE" || (keyword === "UNIT" && this.om);
    if (!isMetadata || (text.charCodeAt(this.pos) !== SPACE && text.charCodeAt(this.pos) !== TAB)) {
      if (this.om) this.fail(`expected # HELP, # TYPE, # UNIT or # EOF; OpenMetrics allows no other comments`, keywordStart);
      this.skipToLineEnd(); // a plain comment
      this.endLine();
      return false;
    }
    this.skipBlanks();
    const nameStart = this.pos;
    const name = this.metricName();
    this.metadataFor(name, nameStart);
    const entry = this.metadata.get(name) ?? {};
    this.metadata.set(name, entry);
    if (keyword === "HELP") {
      if (entry.help !== undefined) this.fail(`second # HELP line for ${name}`, nameStart);
      entry.help = this.om || this.blank() ? this.helpText() : "";
    } else {
      if (!this.blank()) this.fail(`expected a space and the ${keyword === "TYPE" ? "type" : "unit"} after the metric name`);
      this.skipBlanks();
      const wordStart = this.pos;
      this.skipToLineEnd();
      const word = text.slice(wordStart, this.pos).trimEnd();
      if (keyword === "TYPE") {
        if (entry.type !== undefined) this.fail(`second # TYPE line for ${name}`, nameStart);
        const types: readonly string[] = this.om ? OPENMETRICS_TYPES : PROMETHEUS_TEXT_TYPES;
        if (!types.includes(word)) this.fail(`unknown metric type "${word}"; expected one of ${types.join(", ")}`, wordStart);
        entry.type = word as MetricType;
        if (this.family?.name === name) this.family.type = entry.type;
      } else {
        if (entry.unit !== undefined) this.fail(`second # UNIT line for ${name}`, nameStart);
        if (word !== "" && !name.endsWith("_" + word)) this.fail(`the unit "${word}" must be the suffix of the metric name ${name}`, wordStart);
        entry.unit = word;
      }
    }
    this.endLine();
    return false;
  }

  /** One sample line: name, optional labels, value, optional timestamp, optional exemplar. */
  private sample(): void {
    const { text } = this;
    const nameStart = this.pos;
    const name = this.metricName();
    const suffix = this.om ? this.sampleFamily(name, nameStart) : "";
    this.skipBlanks();
    const labels: Labels = {};
    if (text.charCodeAt(this.pos) === LBRACE) {
      this.labelSet(labels);
      this.skipBlanks();
    }
    if (this.om) this.checkFamilyLabels(name, suffix, labels, nameStart);
    if (this.atLineEnd()) this.fail(`expected a value after ${name}`);
    const valueStart = this.pos;
    const value = parseFloatToken(this.token());
    if (value === null) this.fail(`expected a number (or NaN, +Inf, -Inf) as the value of ${name}, got "${text.slice(valueStart, this.pos)}"`, valueStart);
    this.skipBlanks();
    let timestampMs: number | null = null;
    if (!this.atLineEnd() && text.charCodeAt(this.pos) !== HASH) {
      const tsStart = this.pos;
      const token = this.token();
      timestampMs = this.om ? parseSecondsToken(token) : parseMillisecondsToken(token);
      if (timestampMs === null) {
        this.fail(`expected a timestamp (${this.om ? "seconds since the epoch" : "integer milliseconds since the epoch"}) or the end of the line, got "${token}"`, tsStart);
      }
      this.skipBlanks();
    }
    if (!this.atLineEnd() && text.charCodeAt(this.pos) === HASH) {
      if (!this.om) this.fail("unexpected text after the sample; exemplars are OpenMetrics only");
      this.exemplar(name, suffix);
    }
    if (!this.atLineEnd()) this.fail(`unexpected text after the sample of ${name}`);
    this.endLine();
    this.samples.push({ name, labels, value: value!, timestampMs });
  }

  /** ` # {labels} value [timestamp]`: checked, then ignored. */
  private exemplar(name: string, suffix: string): void {
    const start = this.pos;
    const type = this.family?.type ?? "unknown";
    if (!exemplarAllowed(type, suffix)) this.fail(`an exemplar is allowed only on a counter's _total or a histogram's _bucket, not on ${name}`, start);
    this.pos++; // '#'
    this.skipBlanks();
    if (this.text.charCodeAt(this.pos) !== LBRACE) this.fail('expected "{" to open the exemplar\'s labels');
    this.labelSet({});
    this.skipBlanks();
    const valueStart = this.pos;
    if (parseFloatToken(this.token()) === null) this.fail("expected the exemplar's value", valueStart);
    this.skipBlanks();
    if (!this.atLineEnd()) {
      const tsStart = this.pos;
      if (parseSecondsToken(this.token()) === null) this.fail("expected the exemplar's timestamp (seconds) or the end of the line", tsStart);
      this.skipBlanks();
    }
  }

  // ---- OpenMetrics families -----------------------------------------------------------

  /** Metadata for `name` starts (or continues) its family; a family may not come back after another one. */
  private metadataFor(name: string, at: number): void {
    if (!this.om || this.family?.name === name) return;
    this.enterFamily(name, at);
  }

  /** The family suffix of an OpenMetrics sample, entering a new (unknown) family when it is not the current one's. */
  private sampleFamily(name: string, at: number): string {
    const current = this.family;
    if (current) {
      const suffix = familySuffix(current.name, current.type, name);
      if (suffix !== null) return suffix;
    }
    this.enterFamily(name, at);
    return "";
  }

  private enterFamily(name: string, at: number): void {
    if (this.family) this.finishedFamilies.add(this.family.name);
    if (this.finishedFamilies.has(name)) this.fail(`metric family ${name} appears again after other families; OpenMetrics requires its lines together`, at);
    this.family = { name, type: this.metadata.get(name)?.type ?? "unknown" };
  }

  private checkFamilyLabels(name: string, suffix: string, labels: Labels, at: number): void {
    const type = this.family!.type;
    if ((type === "histogram" || type === "gaugehistogram") && suffix === "_bucket" && labels["le"] === undefined) {
      this.fail(`histogram bucket ${name} has no "le" label`, at);
    }
    if (type === "summary" && suffix === "" && labels["quantile"] === undefined) this.fail(`summary ${name} has no "quantile" label`, at);
    if (type === "stateset" && labels[this.family!.name] === undefined) this.fail(`stateset ${name} has no "${this.family!.name}" label`, at);
  }

  // ---- tokens ------------------------------------------------------------------------

  private metricName(): string {
    const { text } = this;
    const start = this.pos;
    if (!isNameStart(text.charCodeAt(this.pos))) this.fail("expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
    this.pos++;
    while (this.pos < text.length && isNameChar(text.charCodeAt(this.pos))) this.pos++;
    return text.slice(start, this.pos);
  }

  /** `{name="value", ...}` into `labels`; the cursor ends after "}". */
  private labelSet(labels: Labels): void {
    const { text } = this;
    this.pos++; // '{'
    for (;;) {
      this.skipBlanks();
      const c = text.charCodeAt(this.pos);
      if (c === RBRACE) break;
      if (!isLabelStart(c)) this.fail(this.pos >= text.length || c === NL ? 'expected "}" to close the labels' : "expected a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
      const nameStart = this.pos;
      while (this.pos < text.length && isLabelChar(text.charCodeAt(this.pos))) this.pos++;
      const name = text.slice(nameStart, this.pos);
      this.skipBlanks();
      if (text.charCodeAt(this.pos) !== EQUALS) this.fail(`expected "=" after the label name ${name}`);
      this.pos++;
      this.skipBlanks();
      if (text.charCodeAt(this.pos) !== QUOTE) this.fail(`expected '"' to open the value of label ${name}`);
      const value = this.labelValue(name);
      if (Object.hasOwn(labels, name)) this.fail(`label ${name} appears twice`, nameStart);
      labels[name] = value;
      this.skipBlanks();
      const next = text.charCodeAt(this.pos);
      if (next === COMMA) {
        this.pos++;
        continue;
      }
      if (next !== RBRACE) this.fail(`expected "," or "}" after the value of label ${name}`);
    }
    this.pos++; // '}'
  }

  /** A quoted label value with `\\`, `\"` and `\n` unescaped (other escapes kept as written, as Prometheus does). */
  private labelValue(label: string): string {
    const { text } = this;
    const start = ++this.pos;
    const close = text.indexOf('"', start);
    const newline = text.indexOf("\n", start);
    const backslash = text.indexOf("\\", start);
    // The common case: no escape before the closing quote, on this line.
    if (close !== -1 && (newline === -1 || close < newline) && (backslash === -1 || backslash > close)) {
      this.pos = close + 1;
      return text.slice(start, close);
    }
    let value = "";
    let runStart = start;
    for (;;) {
      if (this.pos >= text.length || text.charCodeAt(this.pos) === NL) this.fail(`unterminated value of label ${label}: expected a closing '"' on this line`);
      const c = text.charCodeAt(this.pos);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        const e = text.charCodeAt(this.pos + 1);
        if (e === BACKSLASH || e === QUOTE || e === 110 /* n */) {
          value += text.slice(runStart, this.pos) + (e === 110 ? "\n" : String.fromCharCode(e));
          this.pos += 2;
          runStart = this.pos;
          continue;
        }
        if (this.pos + 1 >= text.length || e === NL) this.fail(`unterminated value of label ${label}: a backslash ends the line`);
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
    value += text.slice(runStart, this.pos);
    this.pos++; // closing quote
    return value;
  }

  /** HELP text to the end of the line, unescaping `\\` and `\n` (and `\"` in OpenMetrics). */
  private helpText(): string {
    this.skipBlanks();
    const start = this.pos;
    this.skipToLineEnd();
    const raw = this.text.slice(start, this.pos);
    if (!raw.includes("\\")) return raw;
    return raw.replace(/\\(.)/g, (whole, c: string) => (c === "n" ? "\n" : c === "\\" ? "\\" : c === '"' && this.om ? '"' : whole));
  }

  /** Characters up to the next blank or line end. */
  private token(): string {
    const { text } = this;
    const start = this.pos;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (this.pos >= text.length || c === SPACE || c === TAB || c === NL) break;
      this.pos++;
    }
    return text.slice(start, this.pos);
  }

  // ---- cursor ------------------------------------------------------------------------

  private blank(): boolean {
    const c = this.text.charCodeAt(this.pos);
    return c === SPACE || c === TAB;
  }

  private skipBlanks(): void {
    while (this.blank()) this.pos++;
  }

  private atLineEnd(): boolean {
    return this.pos >= this.text.length || this.text.charCodeAt(this.pos) === NL;
  }

  private skipToLineEnd(): void {
    const end = this.text.indexOf("\n", this.pos);
    this.pos = end === -1 ? this.text.length : end;
  }

  /** At a line end (or the end of the text): moves to the next line. */
  private endLine(): void {
    if (this.pos < this.text.length) this.nextLine();
  }

  private nextLine(): void {
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  private fail(problem: string, at = this.pos): never {
    throw new ExpositionError(this.line, at - this.lineStart + 1, problem);
  }
}
