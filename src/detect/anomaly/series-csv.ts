// Reads a series from CSV text with a `timestamp,value` header, as NAB's files have it:
// timestamps "YYYY-MM-DD HH:MM:SS" (UTC) or ISO 8601; every problem names its line.

export interface SeriesCsvRow {
  /** The timestamp field as written (without surrounding spaces or quotes), for echoing back. */
  timestampText: string;
  ts: number;
  value: number;
}

export class SeriesCsvError extends Error {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`line ${line}: ${detail}`);
    this.name = "SeriesCsvError";
  }
}

const dateTime =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Milliseconds since the epoch of "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]" or the ISO 8601
 * form with "T"; without a zone the time is UTC. Null when the text is no such valid date-time.
 * (Date.parse is not used: it reads "YYYY-MM-DD HH:MM:SS" as local time, or not at all.)
 */
export function parseTimestamp(text: string): number | null {
  const m = dateTime.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => (m[i] === undefined ? 0 : Number(m[i])));
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  if (month! < 1 || month! > 12 || day! < 1 || hour! > 23 || minute! > 59 || second! > 59) return null;
  const ts = Date.UTC(year!, month! - 1, day!, hour, minute, second, millis);
  if (new Date(ts).getUTCDate() !== day) return null; // 31 April, 29 February of a common year
  return ts - zoneOffsetMs(m[8]);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === "Z" || zone === "z") return 0;
  const digits = zone.slice(1).replace(":", "");
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0");
  return (zone[0] === "-" ? -1 : 1) * minutes * 60_000;
}

function field(text: string): string {
  const trimmed = text.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).trim() : trimmed;
}

/** Parses the whole text; blank lines are skipped; throws SeriesCsvError on the first problem. */
export function parseSeriesCsv(text: string): SeriesCsvRow[] {
  const lines = text.split("\n");
  let lineIndex = 0;
  while (lineIndex < lines.length && lines[lineIndex]!.trim() === "") lineIndex++;
  if (lineIndex === lines.length) throw new SeriesCsvError(1, "the file is empty; expected a header line `timestamp,value`");
  const header = lines[lineIndex]!.replace(/^\uFEFF/, "").split(",").map((h) => field(h).toLowerCase());
  const tsColumn = header.indexOf("timestamp");
  const valueColumn = header.indexOf("value");
  if (tsColumn < 0 || valueColumn < 0) {
    throw new SeriesCsvError(lineIndex + 1, `expected a header with the columns timestamp and value, got "${lines[lineIndex]!.trim()}"`);
  }
  const needed = Math.max(tsColumn, valueColumn) + 1;
  const rows: SeriesCsvRow[] = [];
  for (let i = lineIndex + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const fields = line.split(",");
    if (fields.length < needed) throw new SeriesCsvError(i + 1, `expected ${header.length} comma-separated fields (timestamp,value), got ${fields.length}: "${line.trim()}"`);
    const timestampText = field(fields[tsColumn]!);
    const ts = parseTimestamp(timestampText);
    if (ts === null) {
      throw new SeriesCsvError(i + 1, `timestamp "${timestampText}" is not a date-time (expected YYYY-MM-DD HH:MM:SS or ISO 8601)`);
    }
    const valueText = field(fields[valueColumn]!);
    const value = valueText === "" ? NaN : Number(valueText);
    if (!Number.isFinite(value)) throw new SeriesCsvError(i + 1, `value "${valueText}" is not a finite number`);
    rows.push({ timestampText, ts, value });
  }
  return rows;
}
