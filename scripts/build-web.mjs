// Builds the dashboard (src/web/) into dist/web with esbuild: one bundle of Preact, uPlot and
// the pages (app.js), one stylesheet (app.css, uPlot's own included) and index.html. No CDN:
// everything the page loads is served by the Vigil server. Type checking is tsc's job
// (`tsc -p src/web/tsconfig.json`, part of `npm run build`); this only bundles.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/web");
mkdirSync(out, { recursive: true });

try {
  await build({
    absWorkingDir: root,
    entryPoints: { app: "src/web/main.tsx" },
    bundle: true,
    outdir: out,
    format: "esm",
    target: ["es2022"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    sourcemap: true,
    legalComments: "none",
    logLevel: "warning",
  });
  await build({
    absWorkingDir: root,
    entryPoints: { app: "src/web/styles/app.css" },
    bundle: true,
    outdir: out,
    minify: true,
    logLevel: "warning",
  });
  copyFileSync(join(root, "src/web/index.html"), join(out, "index.html"));
  copyFileSync(join(root, "src/web/favicon.svg"), join(out, "favicon.svg"));
} catch (err) {
  console.error(`build-web: ${err.message}`);
  process.exit(1);
}
