// The server side of the web page, in-process with app.request(): caching headers, only built
// files served, and the JSON routes.
import assert from "node:assert/strict";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {Hono} from "hono";
import {hardwareProfile} from "../../src/hardware/index.js";
import {mountWebUi} from "../../src/server/webUi.js";
import {WebPlanner} from "../../src/server/WebPlanner.js";

/** A planner on a fixed what-if machine, so the routes never depend on this one. */
const planner = () => new WebPlanner({detectHardware: async () => hardwareProfile("rtx-4090"), loadCalibration: async () => undefined});

const roots: string[] = [];
after(() => {
    for (const root of roots) rmSync(root, {recursive: true, force: true});
});

function fakeBuild(): string {
    const root = mkdtempSync(path.join(os.tmpdir(), "r1-webui-"));
    roots.push(root);
    mkdirSync(path.join(root, "assets"));
    writeFileSync(path.join(root, "index.html"), "<!doctype html><script type=module src=/assets/main-ABC123.js></script>");
    writeFileSync(path.join(root, "assets/main-ABC123.js"), "console.log(1)");
    writeFileSync(path.join(root, "assets/KaTeX_Main-Regular-XYZ.woff2"), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
    writeFileSync(path.join(root, "secret.txt"), "not part of the page");
    return root;
}

test("index is revalidated every time; hashed assets are immutable; both have ETags", async () => {
    const app = new Hono();
    mountWebUi(app, {root: fakeBuild()});
    const index = await app.request("/");
    assert.equal(index.status, 200);
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.match(index.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(index.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assert.match(await index.text(), /main-ABC123\.js/);
    const etag = index.headers.get("etag");
    assert.ok(etag);
    assert.equal((await app.request("/", {headers: {"If-None-Match": etag}})).status, 304);

    const js = await app.request("/assets/main-ABC123.js");
    assert.equal(js.status, 200);
    assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.equal(await js.text(), "console.log(1)");
    const font = await app.request("/assets/KaTeX_Main-Regular-XYZ.woff2");
    assert.equal(font.headers.get("content-type"), "font/woff2");
});

test("only files of the built page are served", async () => {
    const app = new Hono();
    mountWebUi(app, {root: fakeBuild()});
    for (const url of ["/assets/nope.js", "/assets/..%2Fsecret.txt", "/assets/%2e%2e%2fsecret.txt", "/secret.txt", "/assets/../secret.txt"]) {
        const response = await app.request(url);
        assert.equal(response.status, 404, url);
        assert.doesNotMatch(await response.text(), /not part of the page/, url);
    }
});

test("an unbuilt page says how to build it", async () => {
    const app = new Hono();
    mountWebUi(app, {root: path.join(os.tmpdir(), "r1-no-such-web-build")});
    const response = await app.request("/");
    assert.equal(response.status, 503);
    assert.match(await response.text(), /npm run prepare/);
});

test("JSON routes: plan and models from the providers, the planner's otherwise, errors as 500", async () => {
    const app = new Hono();
    mountWebUi(app, {root: fakeBuild(), planner: planner(), plan: async () => ({hardware: [], rows: []}),
        models: async () => [{id: "m", verdict: "slow", generationTokensPerSecond: 4}]});
    assert.deepEqual(await (await app.request("/ui/api/plan")).json(), {hardware: [], rows: []});
    const models = await app.request("/ui/api/models");
    assert.equal(models.headers.get("cache-control"), "no-store");
    assert.deepEqual(await models.json(), {models: [{id: "m", verdict: "slow", generationTokensPerSecond: 4}]});

    const bare = new Hono();
    mountWebUi(bare, {root: fakeBuild(), planner: planner()});
    const plan = await (await bare.request("/ui/api/plan")).json() as {hardware: {label: string, value: string}[], rows: {verdict: string}[]};
    assert.match(plan.hardware.find((h) => h.label === "GPU")?.value ?? "", /4090/);
    assert.ok(plan.rows.some((r) => r.verdict === "usable") && plan.rows.some((r) => r.verdict !== "usable"));
    assert.deepEqual(await (await bare.request("/ui/api/models")).json(), {models: []});

    const served = new Hono();
    mountWebUi(served, {root: fakeBuild(), planner: planner(), models: async () => [{id: "deepseek-r1:1.5b"}, {id: "stories260K", sizeBytes: 1}]});
    const annotated = (await (await served.request("/ui/api/models")).json() as {models: {id: string, verdict?: string}[]}).models;
    assert.equal(annotated[0]!.verdict, "usable", "a 1.5B distill is usable on an RTX 4090");
    assert.deepEqual(annotated[1], {id: "stories260K", sizeBytes: 1}, "a model outside the family passes unchanged");

    const failing = new Hono();
    mountWebUi(failing, {root: fakeBuild(), plan: async () => {
        throw new Error("no GPU probe");
    }});
    const failed = await failing.request("/ui/api/plan");
    assert.equal(failed.status, 500);
    assert.match(((await failed.json()) as {error: {message: string}}).error.message, /no GPU probe/);
});
