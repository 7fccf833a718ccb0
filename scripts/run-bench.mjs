// Runs one compiled benchmark: `node scripts/run-bench.mjs NAME [args...]` runs
// dist/bench/NAME.js with the remaining args and exits with its status. Without a NAME, or
// with one that is not built, it lists the benchmarks found in dist/bench and exits 1.
import { readdirSync } from "node:fs";
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { constants } from "node:os";

const benchDir = join(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "dist", "bench");

function availableBenchmarks() {
  try {
    return readdirSync(benchDir)
      .filter((f) => f.endsWith(".js"))
      .map((f) => f.slice(0, -".js".length))
      .sort();
  } catch {
    return [];
  }
}

const [name, ...args] = process.argv.slice(2);
const benchmarks = availableBenchmarks();
if (name === undefined || !benchmarks.includes(name)) {
  if (name !== undefined) console.error(`run-bench: no benchmark named "${name}" in ${benchDir}`);
  else console.error("usage: node scripts/run-bench.mjs NAME [args...]   (npm run bench -- NAME [args...])");
  if (benchmarks.length === 0) console.error(`run-bench: no benchmarks built in ${benchDir} (run npm run build)`);
  else console.error(`benchmarks: ${benchmarks.join(", ")}`);
  process.exit(1);
}

const child = spawn(process.execPath, [join(benchDir, `${name}.js`), ...args], { stdio: "inherit" });
// Ctrl-C reaches the benchmark directly (same process group); it cleans up and exits, and
// this wrapper must outlive it to report its status. A signal sent only to the wrapper is
// passed on.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => {
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 1));
});
