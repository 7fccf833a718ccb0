// The PromQL lexer: query text → tokens with their offsets. Keywords (and, by, offset, …)
// come out as identifiers; the parser decides by position what they mean, as label names
// such as `on` or `offset` are valid inside braces.
import { PromqlParseError } from "./errors.js";
import { parsePromqlDuration } from "./durations.js";

export type TokenKind =
  | "number"
  | "duration"
  | "string"
  | "identifier"
  | "operator"
  | "("
  | ")"
  | "{"
  | "}"
  | "["
  | "]"
  | ","
  | ":"
  | "@"
  | "eof";

export interface Token {
  kind: TokenKind;
  /** The source text; for strings the unquoted value. */
  text: string;
  /** number: its value; duration: milliseconds. */
  value?: number;
  position: number;
}

const OPERATORS = ["==", "!=", "<=", ">=", "=~", "!~", "+", "-", "*", "/", "%", "^", "<", ">", "="];
const IDENTIFIER = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const DURATION = /(?:\d+(?:ms|[ywdhms]))+/y;
const HEX = /0[xX][0-9a-fA-F]+/y;
const DECIMAL = /(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/y;
const ESCAPES: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'" };

export function lex(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "#") {
      while (i < query.length && query[i] !== "\n") i++;
      continue;
    }
    const start = i;
    if ("(){}[],:@".includes(ch)) {
      tokens.push({ kind: ch as TokenKind, text: ch, position: start });
      i++;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") {
      const { value, end } = readString(query, i);
      tokens.push({ kind: "string", text: value, position: start });
      i = end;
      continue;
    }
    if (/[0-9.]/.test(ch)) {
      const token = readNumberOrDuration(query, i);
      tokens.push(token);
      i = token.position + token.text.length;
      continue;
    }
    IDENTIFIER.lastIndex = i;
    const ident = IDENTIFIER.exec(query);
    if (ident !== null) {
      const text = ident[0];
      const lower = text.toLowerCase();
      if (lower === "inf" || lower === "nan") tokens.push({ kind: "number", text, value: lower === "inf" ? Infinity : NaN, position: start });
      else tokens.push({ kind: "identifier", text, position: start });
      i += text.length;
      continue;
    }
    const op = OPERATORS.find((o) => query.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ kind: "operator", text: op, position: start });
      i += op.length;
      continue;
    }
    throw new PromqlParseError(`unexpected character ${JSON.stringify(ch)}`, i);
  }
  tokens.push({ kind: "eof", text: "", position: query.length });
  return tokens;
}

function readNumberOrDuration(query: string, i: number): Token {
  for (const re of [HEX, DURATION]) {
    re.lastIndex = i;
    const m = re.exec(query);
    // A duration must not run on into an identifier (`5min` is not 5m followed by `in`).
    if (m !== null && !/[a-zA-Z0-9_]/.test(query[i + m[0].length] ?? "")) {
      if (re === HEX) return { kind: "number", text: m[0], value: parseInt(m[0].slice(2), 16), position: i };
      const ms = parsePromqlDuration(m[0]);
      if (ms === null) throw new PromqlParseError(`invalid duration "${m[0]}": units must be in the order y w d h m s ms, each once`, i);
      return { kind: "duration", text: m[0], value: ms, position: i };
    }
  }
  DECIMAL.lastIndex = i;
  const m = DECIMAL.exec(query);
  if (m === null || /[a-zA-Z_:]/.test(query[i + m[0].length] ?? "")) {
    const bad = /[0-9a-zA-Z_.:]+/y;
    bad.lastIndex = i;
    throw new PromqlParseError(`bad number or duration syntax: "${bad.exec(query)?.[0] ?? query[i]}"`, i);
  }
  return { kind: "number", text: m[0], value: Number(m[0]), position: i };
}

/** A quoted string: "…" and '…' with Go escapes, `…` raw. */
function readString(query: string, start: number): { value: string; end: number } {
  const quote = query[start]!;
  let value = "";
  let i = start + 1;
  while (i < query.length) {
    const ch = query[i]!;
    if (ch === quote) return { value, end: i + 1 };
    if (quote !== "`" && ch === "\n") break;
    if (quote !== "`" && ch === "\\") {
      const next = query[i + 1];
      if (next === undefined) break;
      if (next in ESCAPES) {
        value += ESCAPES[next];
        i += 2;
        continue;
      }
      const hex = next === "x" ? 2 : next === "u" ? 4 : next === "U" ? 8 : 0;
      if (hex > 0 && /^[0-9a-fA-F]+$/.test(query.slice(i + 2, i + 2 + hex)) && query.length >= i + 2 + hex) {
        value += String.fromCodePoint(parseInt(query.slice(i + 2, i + 2 + hex), 16));
        i += 2 + hex;
        continue;
      }
      if (/[0-7]/.test(next) && /^[0-7]{3}$/.test(query.slice(i + 1, i + 4))) {
        value += String.fromCharCode(parseInt(query.slice(i + 1, i + 4), 8));
        i += 4;
        continue;
      }
      throw new PromqlParseError(`unknown escape sequence "\\${next}" in string`, i);
    }
    value += ch;
    i++;
  }
  throw new PromqlParseError(`unterminated quoted string ${quote}`, start);
}
