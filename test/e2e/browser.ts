// Chromium for the dashboard's browser tests, driven by playwright-core: Debian's `chromium`
// package (or $VIGIL_CHROMIUM_BIN), launched headless with a new, empty profile. Without it
// the tests are skipped with a loud notice, unless VIGIL_REQUIRE_BROWSER=1 (set by .ci/run)
// makes that a failure.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** The flags the issue asks for: no sandbox (root in CI), no GPU, nothing fetched from the network. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function findChromium(): string | null {
  const candidates = process.env.VIGIL_CHROMIUM_BIN ? [process.env.VIGIL_CHROMIUM_BIN] : ["chromium", "chromium-browser"];
  for (const bin of candidates) {
    const found = spawnSync("sh", ["-c", `command -v "${bin}"`], { encoding: "utf8" });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return null;
}

export const CHROMIUM = findChromium();
const required = process.env.VIGIL_REQUIRE_BROWSER === "1";

/** True when the browser tests must be skipped (announced loudly); throws when they are required but cannot run. */
export function skipBrowserTests(what: string): boolean {
  if (CHROMIUM) return false;
  if (required) throw new Error("VIGIL_REQUIRE_BROWSER=1 but no Chromium was found (Debian: apt-get install chromium; or set VIGIL_CHROMIUM_BIN)");
  console.warn(
    [
      "",
      "************************************************************************",
      `* SKIPPED: ${what}: no \`chromium\` on PATH.`,
      "* Install it (Debian: apt-get install chromium) to test the dashboard in",
      "* a real browser; VIGIL_REQUIRE_BROWSER=1 makes this a failure.",
      "************************************************************************",
      "",
    ].join("\n"),
  );
  return true;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile each time: no cache, cookies or stored theme carried between runs. */
export async function launchBrowser(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "vigil-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM!,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
