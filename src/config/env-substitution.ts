// `${NAME}` and `${NAME:-default}` in vigil.yaml's string values, taken from the environment
// (that is how secrets stay out of the file). Substitution happens in the parsed document's
// scalar nodes, so positions stay right and a variable's text can never become YAML structure.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import { formatPath, type ConfigProblem, type PathSegment } from "./config-error.js";

export type Env = Record<string, string | undefined>;

export interface Expansion {
  value: string;
  /** One sentence per reference that could not be expanded. */
  errors: string[];
}

// `$${` is a literal `${`; otherwise `${` opens a reference that runs to the next `}`.
const REFERENCE = /\$\$\{|\$\{([^}]*)(\})?/g;
const VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/**
 * Expands the references in one string. As in the shell, `${NAME:-default}` takes the
 * default when NAME is unset or empty; `${NAME}` with NAME unset is an error (an empty
 * value is kept: it was set on purpose).
 */
export function expandVariables(text: string, env: Env): Expansion {
  const errors: string[] = [];
  const value = text.replace(REFERENCE, (whole: string, inner: string | undefined, close: string | undefined) => {
    if (whole === "$${") return "${";
    if (close === undefined) {
      errors.push(`unterminated "\${" (write "$\${" for a literal "\${")`);
      return whole;
    }
    const variable = VARIABLE.exec(inner ?? "");
    if (!variable) {
      errors.push(`"\${${inner}}" is not a variable reference (expected \${NAME} or \${NAME:-default})`);
      return whole;
    }
    const name = variable[1]!;
    const fallback = variable[2];
    const set = env[name];
    if (fallback !== undefined) return set === undefined || set === "" ? fallback : set;
    if (set === undefined) {
      errors.push(`environment variable ${name} is not set`);
      return whole;
    }
    return set;
  });
  return { value, errors };
}

/**
 * Replaces references in every string value of the document, in place. Map keys are left
 * alone (they are names, not values). Returns one problem per reference that could not be
 * expanded, placed at its value.
 */
export function substituteEnv(doc: Document, env: Env, lineCounter: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const visit = (node: unknown, path: PathSegment[]): void => {
    // Aliases are skipped: the anchored node they point to is substituted where it stands.
    if (isAlias(node)) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        visit(pair.value, [...path, String(key)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, [...path, index]));
    } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("${")) {
      const { value, errors } = expandVariables(node.value, env);
      node.value = value;
      const position = positionOf(node, lineCounter);
      for (const message of errors) problems.push({ path: formatPath(path), message, ...position });
    }
  };
  visit(doc.contents, []);
  return problems;
}

function positionOf(node: Node, lineCounter: LineCounter): { line?: number; column?: number } {
  if (!node.range) return {};
  const { line, col } = lineCounter.linePos(node.range[0]);
  return { line, column: col };
}
