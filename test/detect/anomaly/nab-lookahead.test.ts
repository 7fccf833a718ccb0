// The shared NAB scorer's look-ahead check on `vigil anomaly score`: the first K scores must
// not change when the rows after K are cut off. Skipped where ../shared or python3 is absent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const scorer = join(root, "..", "shared", "tools", "nab_score.py");
const data = join(root, "..", "shared", "datasets", "nab-public", "data");
const file = "realTraffic/occupancy_6005.csv";
const missing = !existsSync(scorer) || !existsSync(join(data, file))
  ? "the NAB scorer and data are not beside the repository (../shared)"
  : spawnSync("python3", ["--version"]).status !== 0
    ? "python3 is not installed"
    : null;

test("NAB look-ahead check passes on a real NAB file", { skip: missing ?? false }, async () => {
  const { stdout } = await promisify(execFile)(
    "python3",
    [scorer, "--data-dir", data, "lookahead", "--cmd", `${process.execPath} bin/vigil anomaly score {in} --out {out}`, "--file", file, "--cut", "1500"],
    { cwd: root },
  );
  assert.match(stdout, /lookahead ok cut=1500: the first 1500 scores are identical/);
});
