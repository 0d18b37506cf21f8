import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync, mkdirSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseKeepAlive} from "../../src/server/parseKeepAlive.js";
import {formatPrometheus} from "../../src/server/formatPrometheus.js";
import {SequenceGate} from "../../src/server/SequenceGate.js";
import {isLoopbackHost} from "../../src/server/startServer.js";
import {modelNameOfFile} from "../../src/server/FileModelSource.js";
import {StoreModelSource} from "../../src/server/StoreModelSource.js";
import {ApiError} from "../../src/server/ApiError.js";
import {ModelStore} from "../../src/store/ModelStore.js";
import {clampContextSize} from "../../src/server/clampContextSize.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";
import {FakeModel} from "./FakeModel.js";

test("parseKeepAlive reads Ollama's seconds and Go durations", () => {
    assert.equal(parseKeepAlive(undefined), undefined);
    assert.equal(parseKeepAlive(0), 0);
    assert.equal(parseKeepAlive(30), 30_000);
    assert.equal(parseKeepAlive("10"), 10_000);
    assert.equal(parseKeepAlive("5m"), 300_000);
    assert.equal(parseKeepAlive("1h30m"), 5_400_000);
    assert.equal(parseKeepAlive("250ms"), 250);
    assert.equal(parseKeepAlive(-1), -1);
    assert.equal(parseKeepAlive("-1m"), -1);
    assert.equal(parseKeepAlive(1e12), -1, "absurdly long means forever");
    for (const bad of ["soon", "5 minutes", "m5", "", {}, true, Infinity]) assert.throws(() => parseKeepAlive(bad), TypeError, String(bad));
});

test("formatPrometheus escapes labels and renders types", () => {
    const text = formatPrometheus([{name: "x_total", help: "a \\ b", type: "counter", samples: [
        {labels: {route: "a\"b\nc"}, value: 2},
        {suffix: "_bucket", labels: {le: "+Inf"}, value: Infinity}
    ]}]);
    assert.equal(text, "# HELP x_total a \\\\ b\n# TYPE x_total counter\nx_total{route=\"a\\\"b\\nc\"} 2\nx_total_bucket{le=\"+Inf\"} +Inf\n");
});

test("SequenceGate admits `parallel`, queues in order up to maxQueue, then rejects with 429", async () => {
    const gate = new SequenceGate({parallel: 2, maxQueue: 2});
    const a = await gate.enter();
    const b = await gate.enter();
    const order: string[] = [];
    const c = gate.enter().then((release) => (order.push("c"), release));
    const d = gate.enter().then((release) => (order.push("d"), release));
    await assert.rejects(gate.enter(undefined, 7), (error: unknown) => error instanceof ApiError && error.status === 429 && error.retryAfterS === 7);
    assert.equal(gate.queued, 2);
    a();
    a(); // releasing twice frees one sequence only
    (await c)();
    b();
    await d;
    assert.deepEqual(order, ["c", "d"]);
    assert.equal(gate.active, 1);
});

test("SequenceGate drops a waiter whose signal aborts", async () => {
    const gate = new SequenceGate({parallel: 1, maxQueue: 4});
    const release = await gate.enter();
    const controller = new AbortController();
    const waiting = gate.enter(controller.signal);
    controller.abort(new Error("gone"));
    await assert.rejects(waiting, /gone/);
    assert.equal(gate.queued, 0);
    release();
    assert.equal(gate.active, 0);
});

test("isLoopbackHost and modelNameOfFile", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ["0.0.0.0", "::", "192.168.1.2", "example.com"]) assert.equal(isLoopbackHost(host), false, host);
    assert.equal(modelNameOfFile("/m/stories260K.gguf"), "stories260K");
    assert.equal(modelNameOfFile("/m/My Model (1).GGUF"), "My-Model-1-");
});

test("StoreModelSource serves pulled models by name and never resolves file paths", async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), ".r1-serve-store-"));
    try {
        const store = new ModelStore({home});
        const name = "tiny-test:q8_0";
        mkdirSync(store.modelDir(name), {recursive: true});
        writeFileSync(store.filePath(name, "tiny.gguf"), "GGUF....");
        await store.writeManifest({
            schemaVersion: 1, name, source: "hf:x/y/tiny.gguf", sha256: "a".repeat(64), size: 8, quant: "q8_0", pulledAt: new Date().toISOString(),
            files: [{name: "tiny.gguf", source: "tiny.gguf", size: 8, sha256: "a".repeat(64), verified: true}]
        });
        const loaded: string[] = [];
        const source = new StoreModelSource({store, load: async (file) => (loaded.push(file), new FakeModel({}, {parallel: 1}))});
        const models = await source.list();
        assert.deepEqual(models.map((m) => m.name), [name]);
        assert.equal(models[0]!.quantization, "Q8_0");
        assert.equal(models[0]!.size, 8);
        await source.load(models[0]!, {parallel: 1});
        assert.deepEqual(loaded, [store.filePath(name, "tiny.gguf")]);
        for (const pathLike of [store.filePath(name, "tiny.gguf"), "tiny.gguf", "./x", "a/b"]) assert.equal(await source.resolve(pathLike), undefined, pathLike);
        assert.equal(await source.remove("not-there"), false);
        assert.equal(await source.remove(name), true);
        assert.deepEqual(await source.list(), []);
    } finally {
        rmSync(home, {recursive: true, force: true});
    }
});

test("clampContextSize caps a client's num_ctx at the trained context, and leaves unreadable files alone", {skip: skipWithoutShared("models/stories260K.gguf")}, async () => {
    const stories = sharedPath("models/stories260K.gguf");
    const trained = await clampContextSize(stories, 1 << 20);
    assert.ok(trained > 0 && trained < 1 << 20, `trained context ${trained}`);
    assert.equal(await clampContextSize(stories, trained), trained);
    assert.equal(await clampContextSize(stories, 256), 256);
    const dir = mkdtempSync(path.join(os.tmpdir(), "r1-clamp-"));
    try {
        writeFileSync(path.join(dir, "junk.gguf"), "not a gguf");
        assert.equal(await clampContextSize(path.join(dir, "junk.gguf"), 99_999), 99_999);
    } finally {
        rmSync(dir, {recursive: true, force: true});
    }
});
