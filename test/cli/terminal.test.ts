// Colour only on a terminal and never under NO_COLOR or TERM=dumb; tables aligned on what is visible.
import { test } from "node:test";
import assert from "node:assert/strict";
import { colourEnabled, formatTable, painter, visibleLength } from "../../src/cli/terminal.js";

test("colour needs a TTY, and NO_COLOR (non-empty) or TERM=dumb turn it off", () => {
  assert.equal(colourEnabled({ isTTY: true }, {}), true);
  assert.equal(colourEnabled({ isTTY: false }, {}), false);
  assert.equal(colourEnabled({}, {}), false);
  assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: "1" }), false);
  assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: "" }), true);
  assert.equal(colourEnabled({ isTTY: true }, { TERM: "dumb" }), false);
});

test("painted text carries ANSI codes only when enabled", () => {
  assert.equal(painter(true)("down", "bad"), "\x1b[31mdown\x1b[39m");
  assert.equal(painter(false)("down", "bad"), "down");
  assert.equal(visibleLength(painter(true)("down", "bad")), 4);
});

test("coloured cells line up with plain ones", () => {
  const paint = painter(true);
  const table = formatTable([
    ["NODE", "STATE", "FOR"],
    ["a", paint("alive", "ok"), "1s"],
    ["bbbbbb", paint("down", "bad"), "2m"],
  ]);
  const plain = table.replace(/\x1b\[[0-9;]*m/g, "");
  assert.equal(plain, ["NODE    STATE  FOR", "a       alive  1s", "bbbbbb  down   2m"].join("\n"));
});
