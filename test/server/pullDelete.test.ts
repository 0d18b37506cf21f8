// POST /api/pull and DELETE /api/delete through the real store, against the loopback fake hub
// (HF_ENDPOINT and R1_HOME point at it and at a temporary folder), with the official ollama client.
import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {Ollama} from "ollama";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {StoreModelSource} from "../../src/server/StoreModelSource.js";
import {ModelStore} from "../../src/store/ModelStore.js";
import {FakeHub, fakeGgufBody} from "../helpers/fakeHub.js";

const NAME = "hf:acme/tiny-GGUF/tiny-Q4_K_M.gguf";
const FILE = "tiny-Q4_K_M.gguf";
const body = fakeGgufBody(300 * 1024, 41);
const hub = new FakeHub();
const saved = {HF_ENDPOINT: process.env.HF_ENDPOINT, R1_HOME: process.env.R1_HOME, HF_TOKEN: process.env.HF_TOKEN};
let home: string;
let server: RunningServer;
let ollama: Ollama;

before(async () => {
    await hub.start();
    hub.addRepo("acme/tiny-GGUF", {files: [{path: FILE, body}]});
    home = await fs.mkdtemp(path.join(os.tmpdir(), "r1-serve-pull-"));
    process.env.HF_ENDPOINT = hub.url;
    process.env.R1_HOME = home;
    // A developer's own token must not reach the fake hub.
    delete process.env.HF_TOKEN;
    const source = new StoreModelSource({
        store: new ModelStore(),
        load: async () => assert.fail("this test never loads a model")
    });
    server = await startServer({source, port: 0});
    ollama = new Ollama({host: server.url});
});

after(async () => {
    await server?.stop();
    await hub.close();
    for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
    }
    await fs.rm(home, {recursive: true, force: true});
});

test("POST /api/pull streams Ollama's progress lines, then the model is in /api/tags and /v1/models", async () => {
    // Trickled, so the download spans several reads.
    hub.faults.trickle = {chunkBytes: 32 * 1024, intervalMs: 2};
    const lines: {status: string, digest?: string, total?: number, completed?: number}[] = [];
    for await (const part of await ollama.pull({model: NAME, stream: true})) lines.push(part);
    hub.resetFaults();
    const statuses = lines.map((l) => l.status);
    assert.equal(statuses[0], "pulling manifest");
    assert.equal(statuses.at(-1), "success");
    const file = lines.filter((l) => l.status === `pulling ${FILE}`);
    assert.ok(file.length >= 2, `progress lines for the file: ${JSON.stringify(lines)}`);
    for (const line of file) {
        assert.equal(line.digest, FILE);
        assert.equal(line.total, body.length);
        assert.ok(line.completed! >= 0 && line.completed! <= body.length);
    }
    for (let i = 1; i < file.length; i++) assert.ok(file[i]!.completed! >= file[i - 1]!.completed!, "completed never goes back");
    assert.equal(file.at(-1)!.completed, body.length, "the file's last line is complete");
    const order = ["pulling manifest", `pulling ${FILE}`, "verifying sha256 digest", "writing manifest", "success"];
    assert.deepEqual(order.map((s) => statuses.indexOf(s)), [...order.map((s) => statuses.indexOf(s))].sort((a, b) => a - b));
    assert.ok(order.every((s) => statuses.includes(s)), statuses.join(", "));
    // The bytes landed under R1_HOME, not the developer's ~/.r1.
    assert.ok((await fs.readdir(path.join(home, "models"), {recursive: true})).some((f) => f.endsWith(FILE)));

    const tags = await ollama.list();
    const listed = tags.models.find((m) => m.name === NAME);
    assert.ok(listed !== undefined, JSON.stringify(tags));
    assert.equal(listed.size, body.length);
    assert.equal(listed.details.quantization_level, "Q4_K_M");
    const models = await (await fetch(`${server.url}/v1/models`)).json() as {data: {id: string}[]};
    assert.ok(models.data.some((m) => m.id === NAME));

    // Pulled already: stream: false answers one object without fetching the body again.
    const bodies = hub.bodyRequests().length;
    assert.equal((await ollama.pull({model: NAME, stream: false})).status, "success");
    assert.equal(hub.bodyRequests().length, bodies);
});

test("DELETE /api/delete removes the model from the store and /api/tags; a second delete is 404", async () => {
    assert.ok((await ollama.list()).models.some((m) => m.name === NAME), "pulled by the previous test");
    await ollama.delete({model: NAME});
    assert.deepEqual((await ollama.list()).models, []);
    assert.equal((await fs.readdir(path.join(home, "models"), {recursive: true})).filter((f) => f.endsWith(".gguf")).length, 0);
    const again = await fetch(`${server.url}/api/delete`, {method: "DELETE", headers: {"Content-Type": "application/json"}, body: JSON.stringify({model: NAME})});
    assert.equal(again.status, 404);
    assert.equal(typeof (await again.json() as {error: unknown}).error, "string");
});

test("a pull that fails mid-stream ends with an {error} line, and unknown repos are reported", async () => {
    const response = await fetch(`${server.url}/api/pull`, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({model: "hf:acme/missing-GGUF/x-Q4_K_M.gguf"})});
    assert.equal(response.status, 200, "the stream has started when the store finds out");
    const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l) as {status?: string, error?: string});
    assert.equal(lines[0]!.status, "pulling manifest");
    assert.equal(typeof lines.at(-1)!.error, "string");
    assert.ok(!lines.some((l) => l.status === "success"));
});

test("a pull of a name the catalog does not know is a 404 in Ollama's shape, streamed or not", async () => {
    for (const stream of [true, false]) {
        const response = await fetch(`${server.url}/api/pull`, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({model: "deepseek-r1:999b", stream})});
        assert.equal(response.status, 404, `stream: ${stream}`);
        const body = await response.json() as {error?: string};
        assert.match(body.error ?? "", /999b/);
    }
});

test("DELETE /api/delete of a name with a \".\" segment is a 400 naming the rule, not a 500", async () => {
    for (const model of ["hf:a/./b/c.gguf", "hf:a/b/./c.gguf"]) {
        const response = await fetch(`${server.url}/api/delete`, {method: "DELETE", headers: {"Content-Type": "application/json"}, body: JSON.stringify({model})});
        assert.equal(response.status, 400, model);
        assert.match((await response.json() as {error: string}).error, /"\." or "\.\." segments/);
    }
});

test("DELETE /api/delete of a --model file is refused and leaves it loaded; an unknown name unloads nothing", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "r1-serve-file-"));
    const file = path.join(dir, "given.gguf");
    await fs.writeFile(file, "GGUF");
    const {FileModelSource} = await import("../../src/server/FileModelSource.js");
    const {CombinedModelSource} = await import("../../src/server/CombinedModelSource.js");
    const {FakeModel} = await import("./FakeModel.js");
    const source = new CombinedModelSource([
        new FileModelSource({files: [{name: "given", path: file}], load: async (_path, options) => new FakeModel({answer: ["x"]}, {parallel: options.parallel})}),
        new StoreModelSource({store: new ModelStore(), load: async () => assert.fail("never loaded")})
    ]);
    const local = await startServer({source, port: 0});
    try {
        const client = new Ollama({host: local.url});
        await client.generate({model: "given", prompt: "", keep_alive: -1});
        assert.equal(local.pool.loaded().length, 1);
        const refused = await fetch(`${local.url}/api/delete`, {method: "DELETE", headers: {"Content-Type": "application/json"}, body: JSON.stringify({model: "given"})});
        assert.equal(refused.status, 400);
        assert.match((await refused.json() as {error: string}).error, /--model/);
        assert.equal(local.pool.loaded().length, 1, "still loaded");
        await fs.access(file);
        const unknown = await fetch(`${local.url}/api/delete`, {method: "DELETE", headers: {"Content-Type": "application/json"}, body: JSON.stringify({model: "nothing"})});
        assert.equal(unknown.status, 404);
    } finally {
        await local.stop();
        await fs.rm(dir, {recursive: true, force: true});
    }
});
