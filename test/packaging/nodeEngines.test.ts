import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {createRequire} from "node:module";
import {describe, test} from "node:test";

/** npm's own range logic (a devDependency; typed here by hand, the three calls used). */
const semver = createRequire(import.meta.url)("semver") as {
    validRange(range: string): string | null;
    minVersion(range: string): {major: number, minor: number} | null;
    subset(sub: string, dom: string, options?: {includePrerelease?: boolean}): boolean;
};

interface LockPackage {engines?: Record<string, string> | string[]}

const root = new URL("../../", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {engines: {node: string}};
const lock = JSON.parse(readFileSync(new URL("package-lock.json", root), "utf8")) as {packages: Record<string, LockPackage>};

/** Every installed package's `engines.node`, as package-lock.json records it. */
function nodeRanges(): [string, string][] {
    return Object.entries(lock.packages).flatMap(([where, pkg]) => {
        const range = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node;
        return where === "" || range === undefined ? [] : [[where, range] as [string, string]];
    });
}

describe("the Node versions package.json claims", () => {
    test("are a valid range that README states", () => {
        assert.ok(semver.validRange(manifest.engines.node) !== null, manifest.engines.node);
        const readme = readFileSync(new URL("README.md", root), "utf8");
        const oldest = semver.minVersion(manifest.engines.node);
        assert.ok(oldest !== null);
        assert.ok(readme.includes(`Node ${oldest.major}.${oldest.minor}+`), `README should say Node ${oldest.major}.${oldest.minor}+`);
    });

    test("lie inside every dependency's engines.node, so `npm ci` never warns EBADENGINE on them", () => {
        const ranges = nodeRanges();
        assert.ok(ranges.length > 10, `only ${ranges.length} packages declare engines.node: is package-lock.json read right?`);
        const excluding = ranges.filter(([, range]) => !semver.subset(manifest.engines.node, range, {includePrerelease: false}));
        assert.deepEqual(excluding.map(([where, range]) => `${where} wants node ${range}`), []);
    });

    test("the check can fail: a range wider than a dependency's is caught", () => {
        assert.equal(semver.subset(">=20", "^20.19.0 || ^22.12.0 || >=23"), false);
        assert.equal(semver.subset("^20.19.0 || ^22.12.0 || >=23", ">=22.3.0"), false);
    });
});
