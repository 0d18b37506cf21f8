// The tests that start servers or list models see none of the developer's own models: the helper
// they import points every store location r1 reads into an empty temporary folder.
import {ISOLATED_STORE_ENV, isolatedStoresRoot} from "../helpers/isolateLocalStores.js";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdirSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {findLocalStoreModels, localStoreDirs} from "../../src/store/index.js";
import {repoRoot} from "../helpers/shared.js";

test("every store location r1 reads lies in the temporary folder, none in the home folder", () => {
    const dirs = localStoreDirs({home: os.homedir()});
    const all = [...dirs.ollama, ...dirs.lmstudio, dirs.hfCache, ...dirs.llamaCpp];
    assert.equal(all.length, 4); // one folder each: the variables replace the default lists
    for (const dir of all) assert.ok(dir.startsWith(isolatedStoresRoot + path.sep), `${dir} is outside ${isolatedStoresRoot}`);
    for (const [name, value] of Object.entries(ISOLATED_STORE_ENV)) assert.equal(process.env[name], value);
});

test("an r1 the test starts lists what is in the temporary stores, and nothing else", async () => {
    assert.deepEqual(await findLocalStoreModels({home: os.homedir()}), []);
    // A file in the pinned LM Studio folder shows the child reads the pinned locations (not the home folder's).
    const file = path.join(ISOLATED_STORE_ENV.R1_LMSTUDIO_MODELS, "acme", "Probe-GGUF", "probe.gguf");
    mkdirSync(path.dirname(file), {recursive: true});
    writeFileSync(file, "not a model\n");
    try {
        const ls = spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "ls", "--all", "--json"], {
            encoding: "utf8", env: {...process.env, R1_HOME: path.join(isolatedStoresRoot, "r1-home")}, timeout: 60_000
        });
        assert.equal(ls.status, 0, ls.stderr);
        const rows = JSON.parse(ls.stdout) as {name: string, origin: string}[];
        assert.deepEqual(rows.map((row) => `${row.origin} ${row.name}`), ["lmstudio lmstudio:acme/Probe-GGUF/probe.gguf"]);
    } finally {
        rmSync(path.dirname(path.dirname(file)), {recursive: true, force: true});
    }
});
