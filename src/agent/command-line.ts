// Splits a service's run command into argv the way /bin/sh would, so the agent can spawn
// the program itself: then the supervised pid IS the service (its metrics, its signals).
// Anything that needs a shell (pipes, redirection, expansion, builtins) is left to /bin/sh.

export type ParsedCommand = { argv: string[] } | { shell: true };

/** Unquoted characters that only a shell understands. */
const SHELL_OPERATORS = new Set(["|", "&", ";", "<", ">", "(", ")", "$", "`", "*", "?", "[", "\n"]);
/** Inside double quotes these still expand. */
const DOUBLE_QUOTE_EXPANSIONS = new Set(["$", "`"]);
/** After a backslash inside double quotes, only these lose their special meaning (POSIX 2.2.3). */
const DOUBLE_QUOTE_ESCAPABLE = new Set(["$", "`", '"', "\\"]);
/** First words that are shell keywords or builtins, not programs on PATH. */
const SHELL_ONLY_FIRST_WORDS = new Set([
  "!", "{", "}", ".", ":", "case", "cd", "do", "done", "elif", "else", "esac", "eval", "exec", "export",
  "fi", "for", "function", "if", "read", "readonly", "set", "source", "then", "time", "trap", "ulimit",
  "umask", "unset", "until", "wait", "while",
]);
const LEADING_ASSIGNMENT = /^\s*[A-Za-z_][A-Za-z0-9_]*=/;

export function parseCommandLine(command: string): ParsedCommand {
  if (LEADING_ASSIGNMENT.test(command)) return { shell: true };
  const shell = { shell: true } as const;
  const argv: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;

  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = null;
      else if (DOUBLE_QUOTE_EXPANSIONS.has(ch)) return shell;
      else if (ch === "\\") {
        const next = command[i + 1];
        if (next === undefined || next === "\n") return shell;
        if (DOUBLE_QUOTE_ESCAPABLE.has(next)) {
          word += next;
          i++;
        } else word += ch;
      } else word += ch;
      continue;
    }
    if (ch === " " || ch === "\t") {
      if (inWord) argv.push(word);
      word = "";
      inWord = false;
      continue;
    }
    // A word-initial '#' starts a comment and '~' a home directory: both the shell's business.
    if (!inWord && (ch === "#" || ch === "~")) return shell;
    if (SHELL_OPERATORS.has(ch)) return shell;
    inWord = true;
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "\\") {
      const next = command[i + 1];
      // A trailing backslash or a line continuation: let the shell judge.
      if (next === undefined || next === "\n") return shell;
      word += next;
      i++;
    } else word += ch;
  }
  // An unterminated quote: /bin/sh reports the syntax error in the service's log.
  if (quote !== null) return shell;
  if (inWord) argv.push(word);
  if (argv.length > 0 && SHELL_ONLY_FIRST_WORDS.has(argv[0]!)) return shell;
  return { argv };
}
