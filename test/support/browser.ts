/**
 * Debian's chromium driven by playwright-core, launched as the browser tests must: headless,
 * no sandbox (tests run as root), nothing that reaches the network, and an empty profile.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const chromiumPath = process.env.MAOS_TEST_CHROMIUM ?? "/usr/bin/chromium";

export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(): Promise<BrowserContext> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no chromium at ${chromiumPath}: install it with \`apt-get install chromium\` (.ci/run does), or set MAOS_TEST_CHROMIUM`);
  }
  const profile = mkdtempSync(join(tmpdir(), "maos-chromium-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1400, height: 900 },
    timeout: 60_000,
  });
}
