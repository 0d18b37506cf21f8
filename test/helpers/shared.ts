import {existsSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";

/** Repository root (tests run from anywhere). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The read-only `../shared` folder beside the checkout; `R1_SHARED_DIR` overrides it. */
export const sharedDir = process.env.R1_SHARED_DIR ?? path.resolve(repoRoot, "../shared");

/** Absolute path of a file under `../shared`. */
export function sharedPath(relative: string): string {
    return path.join(sharedDir, relative);
}

/**
 * `false` when the shared file exists, otherwise a skip reason for `test(name, {skip}, fn)`, so
 * a fresh clone without `../shared` reports the test as skipped, never as passed.
 */
export function skipWithoutShared(relative: string): false | string {
    return existsSync(sharedPath(relative)) ? false : `needs ${sharedPath(relative)} (../shared is not present)`;
}
