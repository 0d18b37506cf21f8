#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner through tsx. A script rather than a glob
// because Node 20's `--test` does not expand globs itself.
import {readdirSync} from "node:fs";
import path from "node:path";
import {spawnSync} from "node:child_process";

function collect(dir) {
    return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return collect(full);
        return entry.name.endsWith(".test.ts") ? [full] : [];
    });
}

const filters = process.argv.slice(2);
const files = collect("test").sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
    console.error(`no test files match ${filters.join(" ")}`);
    process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...files], {
    stdio: "inherit",
    env: {...process.env, NODE_LLAMA_CPP_GPU: process.env.NODE_LLAMA_CPP_GPU ?? "false"}
});
process.exit(result.status ?? 1);
