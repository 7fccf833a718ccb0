// Label regexes as Prometheus reads them: RE2 syntax, fully anchored (`=~"a|b"` is
// `^(?:a|b)$`). RE2 is translated into a JavaScript RegExp (unicode mode); RE2 features
// JavaScript lacks are translated (\Q…\E, [[:alpha:]], (?P<name>…), \A, \z, a leading
// (?i)/(?s)), and what RE2 refuses (backreferences, lookaround) is refused with the reason.

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

export class RegexSyntaxError extends Error {}

/** Compiles an RE2 pattern into an anchored RegExp; throws RegexSyntaxError naming what is wrong. */
export function compileAnchoredRegex(pattern: string): RegExp {
  let flags = "u";
  let source = pattern;
  const leading = /^\(\?([is]+)\)/.exec(source);
  if (leading !== null) {
    for (const f of new Set(leading[1]!)) flags += f;
    source = source.slice(leading[0].length);
  }
  const translated = translate(source);
  try {
    return new RegExp(`^(?:${translated})$`, flags);
  } catch (err) {
    throw new RegexSyntaxError(`invalid regex "${pattern}": ${(err as Error).message.replace(/^Invalid regular expression: /, "")}`);
  }
}

function translate(source: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === "\\") {
      const next = source[i + 1];
      if (next === undefined) throw new RegexSyntaxError(`invalid regex "${source}": trailing backslash`);
      if (next === "Q") {
        const end = source.indexOf("\\E", i + 2);
        const literal = source.slice(i + 2, end === -1 ? undefined : end);
        out += [...literal].map(escapeLiteral).join("");
        i = end === -1 ? source.length : end + 1;
        continue;
      }
      if (/[1-9]/.test(next)) throw new RegexSyntaxError(`invalid regex "${source}": backreferences (\\${next}) are not supported (RE2)`);
      if (next === "A" && !inClass) out += "^";
      else if (next === "z" && !inClass) out += "$";
      else if (next === "C") out += "[^]";
      else if (/[a-zA-Z0-9]/.test(next)) out += "\\" + next;
      else out += escapeLiteral(next);
      i++;
      continue;
    }
    if (inClass) {
      if (ch === "[" && source[i + 1] === ":") {
        const end = source.indexOf(":]", i + 2);
        const name = end === -1 ? "" : source.slice(i + 2, end);
        const negated = name.startsWith("^");
        const cls = POSIX_CLASSES[negated ? name.slice(1) : name];
        if (cls === undefined) throw new RegexSyntaxError(`invalid regex "${source}": unknown character class [:${name}:]`);
        if (negated) throw new RegexSyntaxError(`invalid regex "${source}": negated POSIX classes [:^${name.slice(1)}:] are not supported`);
        out += cls;
        i = end + 1;
        continue;
      }
      if (ch === "]") inClass = false;
      out += ch === "[" ? "\\[" : ch;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      out += ch;
      if (source[i + 1] === "^") out += source[++i];
      if (source[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (ch === "(" && source[i + 1] === "?") {
      const rest = source.slice(i + 2);
      if (rest.startsWith("P<")) {
        out += "(?<";
        i += 3;
        continue;
      }
      if (rest.startsWith(":") || rest.startsWith("<") && !rest.startsWith("<=") && !rest.startsWith("<!")) {
        out += "(?";
        i += 1;
        continue;
      }
      if (/^(=|!|<=|<!)/.test(rest)) throw new RegexSyntaxError(`invalid regex "${source}": lookaround (?${rest.slice(0, rest[0] === "<" ? 2 : 1)} is not supported (RE2)`);
      throw new RegexSyntaxError(`invalid regex "${source}": flag group (?${rest.split(")")[0]}) is supported only at the start of the regex`);
    }
    out += ch;
  }
  return out;
}

function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? "\\" + ch : ch;
}
