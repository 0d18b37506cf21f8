import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {after, before, beforeEach, describe, test} from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {resolveModelName} from "../../src/catalog/index.js";
import {
    ChecksumMismatchError, DiskFullError, HubAuthError, HubFileNotFoundError, ModelNotFoundError, ModelStore, NetworkError,
    NotAGgufError, PullLockedError, pullIter, pullModel, resolveModel, resolveModelPath, type PullEvent, type PullOptions
} from "../../src/store/index.js";
import {FAKE_COMMIT, FakeHub, fakeGgufBody, sha256Hex} from "../helpers/fakeHub.js";

const hub = new FakeHub();
let home: string;
let store: ModelStore;
const single = fakeGgufBody(200 * 1024, 11);
const parts = [fakeGgufBody(120 * 1024, 21), fakeGgufBody(90 * 1024, 22), fakeGgufBody(60 * 1024, 23)];
const catalog = resolveModelName("deepseek-r1:14b");
const catalogBody = fakeGgufBody(150 * 1024, 31);

function options(extra: PullOptions = {}): PullOptions {
    return {store, endpoint: hub.url, token: undefined, retryBaseDelayMs: 1, progressIntervalMs: 0, freeDiskMargin: 0, ...extra};
}

async function collect(name: string, extra: PullOptions = {}): Promise<PullEvent[]> {
    const events: PullEvent[] = [];
    for await (const event of pullIter(name, options(extra))) events.push(event);
    return events;
}

async function exists(file: string): Promise<boolean> {
    return fs.access(file).then(() => true, () => false);
}

before(async () => {
    // A developer's own token must not turn the "no token" cases into authorized ones.
    delete process.env.HF_TOKEN;
    delete process.env.HUGGING_FACE_HUB_TOKEN;
    await hub.start();
    hub.addRepo("acme/tiny-GGUF", {files: [
        {path: "tiny-Q4_K_M.gguf", body: single},
        {path: "tiny-Q8_0.gguf", body: fakeGgufBody(50 * 1024, 12)},
        {path: "README.md", body: Buffer.from("# tiny\n")}
    ]});
    hub.addRepo("acme/split-GGUF", {files: parts.map((body, i) => ({path: `Q2_K/split-Q2_K-0000${i + 1}-of-00003.gguf`, body}))});
    hub.addRepo("acme/gated", {gated: true, files: [{path: "gated-Q4_K_M.gguf", body: single}]});
    hub.addRepo("acme/bad", {files: [{path: "notgguf.gguf", body: Buffer.alloc(4096, 0x41)}]});
    hub.addRepo(catalog.repo, {files: [{path: catalog.files[0]!, body: catalogBody}]});
});
after(async () => {
    await hub.close();
});
beforeEach(async () => {
    hub.resetFaults();
    home = await fs.mkdtemp(path.join(os.tmpdir(), "r1-home-"));
    store = new ModelStore({home});
});

describe("pullIter", () => {
    test("hf: pull: metadata first, then a verified file and a manifest; ls and resolveModelPath see it", async () => {
        const events = await collect("hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf");
        const resolved = events.find((e) => e.type === "resolved");
        assert.ok(resolved?.type === "resolved");
        assert.equal(resolved.totalBytes, single.length);
        assert.equal(resolved.files[0]?.sha256, sha256Hex(single));
        assert.equal(resolved.revision, FAKE_COMMIT);
        // Pinned: the body is fetched at the commit the metadata came from, not at "main".
        assert.ok(hub.requests.some((r) => r.method === "GET" && r.path.includes(`/resolve/${FAKE_COMMIT}/`)));
        assert.ok(events.findIndex((e) => e.type === "resolved") < events.findIndex((e) => e.type === "file-start"));
        const done = events.at(-1);
        assert.ok(done?.type === "done" && !done.alreadyPulled);
        assert.equal(done.manifest.sha256, sha256Hex(single));
        assert.equal(done.manifest.quant, "Q4_K_M");
        assert.equal(done.manifest.revision, FAKE_COMMIT);
        assert.equal(done.manifest.files[0]?.verified, true);
        assert.deepEqual(await fs.readFile(done.path), single);

        const listed = await store.list();
        assert.equal(listed.length, 1);
        assert.equal(listed[0]?.status, "complete");
        assert.equal(listed[0]?.name, "hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf");
        assert.equal(listed[0]?.sizeOnDisk, single.length);
        assert.equal(await resolveModelPath("hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf", {store}), done.path);
        assert.ok(done.path.startsWith(store.modelsDir + path.sep));
    });

    test("a second pull of a complete model fetches no body", async () => {
        await pullModel("hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf", options());
        const before = hub.bodyRequests().length;
        const events = await collect("hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf");
        assert.ok(events.at(-1)?.type === "done" && (events.at(-1) as {alreadyPulled: boolean}).alreadyPulled);
        assert.equal(hub.bodyRequests().length, before);
    });

    test("catalog alias deepseek-r1:14b pulls the catalog's file under the canonical name", async () => {
        const manifest = await pullModel("deepseek-r1:14b", options());
        assert.equal(manifest.name, catalog.canonicalName);
        assert.equal(manifest.catalogId, catalog.variant.id);
        assert.equal(manifest.quant, "Q4_K_M");
        assert.equal(manifest.requestedAs, "deepseek-r1:14b");
        // Any name of the same variant × quant finds it.
        const viaAlias = await resolveModelPath("deepseek-r1:14b", {store});
        assert.equal(await resolveModelPath(catalog.canonicalName, {store}), viaAlias);
        assert.equal(await resolveModelPath("deepseek-r1-distill-qwen-14b:q4_k_m", {store}), viaAlias);
        assert.deepEqual(await fs.readFile(viaAlias), catalogBody);
    });

    test("split model: every part downloaded and verified, presented as one model (first part)", async () => {
        // Any part's name brings all parts.
        const manifest = await pullModel("hf:acme/split-GGUF/Q2_K/split-Q2_K-00002-of-00003.gguf", options());
        assert.equal(manifest.name, "hf:acme/split-GGUF/Q2_K/split-Q2_K-00001-of-00003.gguf");
        assert.equal(manifest.files.length, 3);
        assert.equal(manifest.size, parts.reduce((s, p) => s + p.length, 0));
        const resolved = await resolveModel("hf:acme/split-GGUF/Q2_K/split-Q2_K-00003-of-00003.gguf", {store});
        assert.match(resolved.path, /-00001-of-00003\.gguf$/);
        assert.equal(resolved.files.length, 3);
        for (const [i, file] of resolved.files.entries()) {
            assert.deepEqual(await fs.readFile(file), parts[i]);
            assert.equal(manifest.files[i]?.sha256, sha256Hex(parts[i]!));
        }
        assert.equal((await store.list())[0]?.sizeOnDisk, manifest.size);
    });

    test("split model interrupted after part 1: a new pull skips it and resumes part 2", async () => {
        // Trickled, so the bytes before the drop reach the disk (a drop loses what is still in flight).
        hub.faults.trickle = {chunkBytes: 8 * 1024, intervalMs: 2};
        hub.faults.dropAfter = [1_000_000, 40 * 1024];
        const name = "hf:acme/split-GGUF/Q2_K/split-Q2_K-00001-of-00003.gguf";
        await assert.rejects(pullModel(name, options({maxRetries: 0})), NetworkError);
        const partial = await store.inspect(name);
        assert.equal(partial?.status, "partial");
        assert.equal((await store.list())[0]?.status, "partial");
        await assert.rejects(resolveModelPath(name, {store}), (e) => e instanceof ModelNotFoundError && /partly/.test(e.message));
        hub.resetFaults();
        const events = await collect(name);
        const doneFiles = events.filter((e) => e.type === "file-done");
        assert.deepEqual(doneFiles.map((e) => e.type === "file-done" && e.skipped), [true, false, false]);
        const second = events.find((e) => e.type === "file-start" && e.index === 1);
        assert.ok(second?.type === "file-start" && second.resumeFrom > 0);
        assert.equal((await store.get(name)).status, "complete");
    });

    test("checksum mismatch: the model never appears and the partial is gone", async () => {
        hub.faults.corrupt = true;
        const name = "hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf";
        await assert.rejects(pullModel(name, options()), ChecksumMismatchError);
        await assert.rejects(resolveModelPath(name, {store}), ModelNotFoundError);
        const listed = await store.list();
        assert.ok(listed.every((m) => m.status !== "complete"));
        // Nothing of it was kept, so nothing is left to list.
        assert.equal(await exists(store.modelDir(name)), false);
        assert.deepEqual(listed, []);
    });

    test("gated repo: 401 without a token and 403 with a wrong one say to set HF_TOKEN; the right token works", async () => {
        await assert.rejects(pullModel("hf:acme/gated/gated-Q4_K_M.gguf", options()),
            (e) => e instanceof HubAuthError && e.status === 401 && /HF_TOKEN/.test(e.hint ?? ""));
        await assert.rejects(pullModel("hf:acme/gated/gated-Q4_K_M.gguf", options({token: "hf_wrong"})),
            (e) => e instanceof HubAuthError && e.status === 403 && e.tokenSet);
        const manifest = await pullModel("hf:acme/gated/gated-Q4_K_M.gguf", options({token: hub.validToken}));
        assert.equal(manifest.sha256, sha256Hex(single));
        assert.ok(hub.requests.filter((r) => r.path.includes("/acme/gated/resolve/")).at(-1)?.authorization === `Bearer ${hub.validToken}`);
    });

    test("404 names the file and lists the repo's GGUF files", async () => {
        await assert.rejects(pullModel("hf:acme/tiny-GGUF/tiny-Q5_K_M.gguf", options()), (e) => {
            assert.ok(e instanceof HubFileNotFoundError);
            assert.match(e.message, /tiny-Q5_K_M\.gguf not found in acme\/tiny-GGUF/);
            assert.deepEqual(e.available, ["tiny-Q4_K_M.gguf", "tiny-Q8_0.gguf"]);
            assert.match(e.hint ?? "", /tiny-Q8_0\.gguf/);
            return true;
        });
        await assert.rejects(pullModel("hf:acme/nope/x.gguf", options()), (e) => e instanceof HubFileNotFoundError && e.available.length === 0);
        assert.deepEqual(await store.list(), []);
    });

    test("no network: one NetworkError, nothing that looks pulled", async () => {
        const dead = new FakeHub();
        await dead.start();
        const endpoint = dead.url;
        await dead.close();
        await assert.rejects(pullModel("hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf", options({endpoint})), NetworkError);
        assert.deepEqual(await store.list(), []);
    });

    test("disk too small: refused before downloading", async () => {
        const before = hub.bodyRequests().length;
        await assert.rejects(pullModel("hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf", options({freeDiskMargin: Number.MAX_SAFE_INTEGER / 2})), DiskFullError);
        assert.equal(hub.bodyRequests().length, before);
    });

    test("a downloaded file that is not a GGUF never becomes a model", async () => {
        await assert.rejects(pullModel("hf:acme/bad/notgguf.gguf", options()), NotAGgufError);
        assert.equal((await store.inspect("hf:acme/bad/notgguf.gguf"))?.status, "partial");
    });

    test("two pulls of the same model at once: one finishes, the other is told about the lock", async () => {
        hub.faults.trickle = {chunkBytes: 32 * 1024, intervalMs: 10};
        const name = "hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf";
        const results = await Promise.allSettled([pullModel(name, options()), pullModel(name, options())]);
        assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
        assert.ok(results.some((r) => r.status === "rejected" && r.reason instanceof PullLockedError));
        assert.equal((await store.get(name)).status, "complete");
    });
});

describe("ModelStore", () => {
    test("rm removes the model and its leftovers; ls and resolve see the truth", async () => {
        const name = "hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf";
        await pullModel(name, options());
        await fs.writeFile(path.join(store.modelDir(name), "tiny-Q8_0.gguf.incomplete"), "leftover");
        const {freedBytes} = await store.remove(name);
        assert.ok(freedBytes >= single.length);
        assert.equal(await exists(store.modelDir(name)), false);
        assert.deepEqual(await store.list(), []);
        await assert.rejects(resolveModelPath(name, {store}), (e) => e instanceof ModelNotFoundError && /r1 pull/.test(e.hint ?? ""));
        await assert.rejects(store.remove(name), ModelNotFoundError);
    });

    test("rm of a partial pull removes its partial files", async () => {
        hub.faults.dropAfter = [100 * 1024];
        const name = "hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf";
        await assert.rejects(pullModel(name, options({maxRetries: 0})), NetworkError);
        assert.equal((await store.list())[0]?.status, "partial");
        assert.ok((await store.list())[0]!.sizeOnDisk > 0);
        await store.remove(name);
        assert.deepEqual(await store.list(), []);
    });

    test("rm refuses while a live process holds a download lock", async () => {
        const name = "hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf";
        await fs.mkdir(store.modelDir(name), {recursive: true});
        await fs.writeFile(path.join(store.modelDir(name), "tiny-Q4_K_M.gguf.lock"), JSON.stringify({pid: process.ppid, host: os.hostname()}));
        await assert.rejects(store.remove(name), PullLockedError);
        await fs.writeFile(path.join(store.modelDir(name), "pull.lock"), JSON.stringify({pid: process.ppid, host: os.hostname()}));
        assert.equal((await store.inspect(name))?.pullingPid, process.ppid);
        assert.ok(await exists(store.modelDir(name)));
    });

    test("a file deleted or truncated by hand makes the model 'damaged', not complete", async () => {
        const name = "hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf";
        const manifest = await pullModel(name, options());
        await fs.truncate(store.filePath(name, manifest.files[0]!.name), 10);
        const [model] = await store.list();
        assert.equal(model?.status, "damaged");
        assert.match(model?.problem ?? "", /10 bytes/);
        await assert.rejects(resolveModelPath(name, {store}), /damaged/);
    });

    test("folders that are not models and garbage manifests do not crash ls", async () => {
        await fs.mkdir(path.join(store.modelsDir, "not a model dir!"), {recursive: true});
        await fs.mkdir(path.join(store.modelsDir, "hf%3Ax"), {recursive: true});
        await fs.writeFile(path.join(store.modelsDir, "hf%3Ax", "manifest.json"), "{not json");
        const listed = await store.list();
        assert.equal(listed.length, 1);
        assert.equal(listed[0]?.name, "hf:x");
        assert.equal(listed[0]?.status, "damaged");
    });

    test("local paths resolve to themselves; missing ones and unknown names say what to do", async () => {
        const file = path.join(home, "local.gguf");
        await fs.writeFile(file, single);
        assert.equal(await resolveModelPath(file, {store}), file);
        await assert.rejects(resolveModelPath(path.join(home, "missing.gguf"), {store}), /no such model file/);
        await assert.rejects(resolveModelPath("deepseek-r1:7b", {store}), (e) => e instanceof ModelNotFoundError && /r1 pull deepseek-r1:7b/.test(e.hint ?? ""));
        await assert.rejects(resolveModelPath("no-such-model", {store}), ModelNotFoundError);
    });
});
