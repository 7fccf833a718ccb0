import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { parseCommandLine } from "../../src/agent/command-line.js";

test("splits plain words on blanks", () => {
  assert.deepEqual(parseCommandLine("node server.js --port 8081"), { argv: ["node", "server.js", "--port", "8081"] });
  assert.deepEqual(parseCommandLine("  sleep\t30  "), { argv: ["sleep", "30"] });
});

test("the DESIGN.md example becomes three arguments, the script intact", () => {
  const command = `node -e "require('http').createServer((q, s) => s.end('ok')).listen(8082)"`;
  assert.deepEqual(parseCommandLine(command), {
    argv: ["node", "-e", "require('http').createServer((q, s) => s.end('ok')).listen(8082)"],
  });
});

test("honours single quotes, double quotes and backslash escapes like sh", () => {
  assert.deepEqual(parseCommandLine(`echo 'a "b" $HOME' "c 'd'"`), { argv: ["echo", `a "b" $HOME`, "c 'd'"] });
  assert.deepEqual(parseCommandLine(`echo a\\ b \\"c\\" \\$x`), { argv: ["echo", "a b", '"c"', "$x"] });
  assert.deepEqual(parseCommandLine(`echo "x\\"y\\\\z\\n"`), { argv: ["echo", 'x"y\\z\\n'] });
  assert.deepEqual(parseCommandLine(`printf '' "" x`), { argv: ["printf", "", "", "x"] });
  assert.deepEqual(parseCommandLine(`a"b c"'d e'f`), { argv: ["ab cd ef"] });
});

test("unquoted shell syntax needs a shell", () => {
  for (const command of [
    "a | b",
    "a && b",
    "a; b",
    "a > out.log",
    "a < in",
    "(a)",
    "echo $HOME",
    "echo `date`",
    "ls *.js",
    "ls file?",
    "ls [ab]",
    "a\nb",
    "PORT=8081 node server.js",
    "exec node server.js",
    "cd /tmp",
    "node server.js # a comment",
    "ls ~",
    `echo "$HOME"`,
    "echo \"`date`\"",
    "echo 'unterminated",
    "echo trailing\\",
  ]) {
    assert.deepEqual(parseCommandLine(command), { shell: true }, `expected a shell for ${JSON.stringify(command)}`);
  }
});

test("shell characters inside quotes or escaped are literal", () => {
  assert.deepEqual(parseCommandLine(`echo 'a | b; c > d' "e & f" g\\;h`), { argv: ["echo", "a | b; c > d", "e & f", "g;h"] });
  assert.deepEqual(parseCommandLine("node server.js --flag=a=b"), { argv: ["node", "server.js", "--flag=a=b"] });
  assert.deepEqual(parseCommandLine("a#b"), { argv: ["a#b"] });
});

test("an empty command has no words", () => {
  assert.deepEqual(parseCommandLine(""), { argv: [] });
  assert.deepEqual(parseCommandLine("   "), { argv: [] });
});

test("argv agrees with what /bin/sh itself produces", () => {
  const commands = [
    `printf '%s\\n' 'one two' "three 'four'" five\\ six "a\\"b" 'c\\d'`,
    `printf '%s\\n' "require('http').createServer((q, s) => s.end('ok'))"`,
  ];
  for (const command of commands) {
    const parsed = parseCommandLine(command);
    assert.ok("argv" in parsed, `expected argv for ${command}`);
    const viaShell = spawnSync("/bin/sh", ["-c", command], { encoding: "utf8" }).stdout;
    const direct = spawnSync(parsed.argv[0]!, parsed.argv.slice(1), { encoding: "utf8" }).stdout;
    assert.equal(direct, viaShell);
  }
});
