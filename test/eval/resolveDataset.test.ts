import assert from "node:assert/strict";
import {createReadStream} from "node:fs";
import {mkdtemp, rm, stat} from "node:fs/promises";
import http from "node:http";
import type {AddressInfo} from "node:net";
import os from "node:os";
import path from "node:path";
import {after, before, describe, test} from "node:test";
import {loadDataset} from "../../src/eval/loadDataset.js";
import {datasetStorePath, KNOWN_DATASETS, resolveDatasetIter} from "../../src/eval/resolveDatasetIter.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

const math500 = "eval/math500_test.jsonl";
let dir: string;
before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "r1-eval-hub-"));
});
after(async () => {
    await rm(dir, {recursive: true, force: true});
});

async function drain<T>(iterator: AsyncGenerator<{type: string}, T>): Promise<{value: T, events: string[]}> {
    const events: string[] = [];
    for (;;) {
        const step = await iterator.next();
        if (step.done === true) return {value: step.value, events};
        events.push(step.value.type);
    }
}

describe("resolveDatasetIter", () => {
    test("an existing path is used as is, without the network", async () => {
        const file = path.join(dir, "mine.jsonl");
        const {value, events} = await drain(resolveDatasetIter(file, {home: dir, fetch: () => Promise.reject(new Error("no network"))}));
        assert.equal(value, file);
        assert.deepEqual(events, []);
    });

    test("math500 is downloaded from the hub into the store once, checked against its pinned sha256", {skip: skipWithoutShared(math500)}, async () => {
        const requests: string[] = [];
        const hub = http.createServer((req, res) => {
            requests.push(req.url ?? "");
            const known = KNOWN_DATASETS.math500;
            if (req.url !== `/datasets/${known?.repo}/resolve/${known?.revision}/${known?.file}`) {
                res.writeHead(404).end();
                return;
            }
            void stat(sharedPath(math500)).then((s) => {
                res.writeHead(200, {"content-length": String(s.size), "content-type": "application/octet-stream"});
                createReadStream(sharedPath(math500)).pipe(res);
            });
        });
        await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
        try {
            const env = {HF_ENDPOINT: `http://127.0.0.1:${(hub.address() as AddressInfo).port}`};
            const first = await drain(resolveDatasetIter("math500", {home: dir, env}));
            assert.equal(first.value, datasetStorePath("math500", dir));
            assert.ok(first.events.includes("done"));
            assert.equal((await loadDataset(first.value)).problems.length, 500);
            const second = await drain(resolveDatasetIter("math500", {home: dir, env}));
            assert.equal(second.value, first.value);
            assert.equal(requests.length, 1, "the stored copy is reused");
        } finally {
            await new Promise<void>((resolve) => hub.close(() => resolve()));
        }
    });
});
