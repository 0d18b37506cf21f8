import {existsSync, mkdirSync, mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {chromium, type BrowserContext} from "playwright-core";
import {repoRoot} from "../../helpers/shared.js";

/** Debian's Chromium (`.ci/run` installs it); tests never download a browser. */
export const CHROMIUM_PATH = process.env.R1_CHROMIUM ?? "/usr/bin/chromium";

/** `false` when Chromium is installed, otherwise a skip reason. */
export function skipWithoutChromium(): false | string {
    return existsSync(CHROMIUM_PATH)
        ? false
        : `needs Chromium at ${CHROMIUM_PATH} (apt-get install chromium; .ci/run installs it)`;
}

export interface Browser {
    context: BrowserContext;
    close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, no network of its own, nothing kept afterwards. */
export async function launchBrowser(): Promise<Browser> {
    const profile = mkdtempSync(path.join(os.tmpdir(), "r1-web-profile-"));
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"],
        viewport: {width: 1280, height: 800},
        timeout: 60_000
    });
    return {
        context,
        async close() {
            await context.close().catch(() => undefined);
            rmSync(profile, {recursive: true, force: true});
        }
    };
}

/** `test-artifacts/<name>` (gitignored), created on demand. */
export function artifactPath(name: string): string {
    const dir = path.join(repoRoot, "test-artifacts");
    mkdirSync(dir, {recursive: true});
    return path.join(dir, name);
}
