import {spawnSync} from "node:child_process";
import {existsSync, mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {repoRoot} from "../../helpers/shared.js";

function build(args: string[]): void {
    const result = spawnSync(process.execPath, [path.join(repoRoot, "scripts/build-web.mjs"), ...args], {cwd: repoRoot, encoding: "utf8"});
    if (result.status !== 0) throw new Error(`web build failed: ${result.stderr || result.stdout}`);
}

/** Builds the current web/ source into a temporary folder, so a test never sees a stale page. */
export function buildPageToTemp(): {root: string, remove(): void} {
    const parent = mkdtempSync(path.join(os.tmpdir(), "r1-web-build-"));
    const root = path.join(parent, "web");
    build(["--out", root]);
    return {root, remove: () => rmSync(parent, {recursive: true, force: true})};
}

/** The page `r1 serve` serves (dist/web), built when missing. */
export function ensureDistPage(): string {
    const dir = path.join(repoRoot, "dist/web");
    if (!existsSync(path.join(dir, "index.html"))) build([]);
    return dir;
}
