// A rejected vigil.yaml: every problem found, each with the config path it concerns and,
// when known, the line and column, formatted the way editors and terminals link them:
// `vigil.yaml:12:5: services[2].health.interval: expected a duration such as "1s", got "5x"`.

export interface ConfigProblem {
  /** Where in the config, e.g. `services[2].health.interval`; "" for the file as a whole. */
  path: string;
  message: string;
  /** 1-based, when the problem could be placed in the file. */
  line?: number;
  column?: number;
}

export type PathSegment = string | number;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: ConfigProblem[];
  readonly file?: string;

  constructor(problems: ConfigProblem[], file?: string) {
    super(problems.map((problem) => formatProblem(problem, file)).join("\n"));
    this.problems = problems;
    this.file = file;
  }
}

/** `file:line:column: path: message`, leaving out whatever is unknown or empty. */
export function formatProblem(problem: ConfigProblem, file?: string): string {
  const location = [file, problem.line, problem.line === undefined ? undefined : problem.column]
    .filter((part) => part !== undefined && part !== "")
    .join(":");
  return [location, problem.path, problem.message].filter((part) => part !== "").join(": ");
}

// Keys made of these characters read as `a.b-c`; any other key is quoted, `playbooks["v1.2"]`,
// so that parsePath can always tell a key from a path separator.
const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** ["services", 2, "health", "interval"] → `services[2].health.interval`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = "";
  for (const segment of segments) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

const PATH_TOKEN = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z0-9_-]+)/y;

/** The inverse of formatPath; throws on text formatPath cannot produce. */
export function parsePath(text: string): PathSegment[] {
  const segments: PathSegment[] = [];
  PATH_TOKEN.lastIndex = 0;
  while (PATH_TOKEN.lastIndex < text.length) {
    const start = PATH_TOKEN.lastIndex;
    const match = PATH_TOKEN.exec(text);
    if (!match) throw new Error(`not a config path: ${JSON.stringify(text)} (at character ${start})`);
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string);
    else segments.push(match[3]!);
  }
  return segments;
}
