// Models other programs keep (Ollama, LM Studio, the Hugging Face and llama.cpp caches), each store's
// documented layout built in a temporary folder with symlinks to the shared stories260K model:
// found, listed with their origin, run and served by prefixed name, and never written to.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {createHash} from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, before, describe, test} from "node:test";
import {createServerApp} from "../../src/server/createServerApp.js";
import {LocalStoreModelSource} from "../../src/server/LocalStoreModelSource.js";
import {findLocalStoreModels, localStoreDirs, resolveModel, type LocalStoreEnvironment} from "../../src/store/index.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

const STORIES = "models/stories260K.gguf";
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
let root: string;
let env: NodeJS.ProcessEnv;
let environment: LocalStoreEnvironment;

function write(file: string, content: string | Buffer): void {
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fs.writeFileSync(file, content);
}
function link(target: string, file: string): void {
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fs.symlinkSync(target, file);
}

/** Every entry under `dir` with what would change if anything wrote to it. */
function snapshot(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, {withFileTypes: true})) {
            const full = path.join(d, entry.name);
            const stats = fs.lstatSync(full);
            out.push(`${path.relative(dir, full)} ${stats.size} ${stats.mtimeMs} ${stats.mode}`);
            if (entry.isDirectory()) walk(full);
        }
    };
    walk(dir);
    return out.sort();
}

function r1(...args: string[]) {
    return spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {
        env: {...env, NO_COLOR: "1", FORCE_COLOR: "0"}, encoding: "utf8", timeout: 120_000
    });
}

describe("models in other programs' stores", {skip: skipWithoutShared(STORIES)}, () => {
    let before_: string[];
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "r1-local-stores-"));
        const stories = sharedPath(STORIES);
        const storiesBytes = fs.readFileSync(stories);
        const sha = createHash("sha256").update(storiesBytes).digest("hex");
        const home = path.join(root, "home");

        // Ollama (OLLAMA_MODELS): manifests/HOST/NAMESPACE/MODEL/TAG → blobs/sha256-HEX.
        const ollama = path.join(root, "ollama-models");
        const manifest = (digest: string, size: number) => JSON.stringify({schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.v2+json",
            config: {mediaType: "application/vnd.docker.container.image.v1+json", digest: `sha256:${"1".repeat(64)}`, size: 10},
            layers: [{mediaType: "application/vnd.ollama.image.model", digest, size}, {mediaType: "application/vnd.ollama.image.template", digest: `sha256:${"2".repeat(64)}`, size: 20}]});
        link(stories, path.join(ollama, "blobs", `sha256-${sha}`));
        write(path.join(ollama, "manifests/registry.ollama.ai/library/stories/260k"), manifest(`sha256:${sha}`, storiesBytes.length));
        write(path.join(ollama, "manifests/hf.co/acme/Stories-GGUF/Q8_0"), manifest(`sha256:${sha}`, storiesBytes.length));
        write(path.join(ollama, "manifests/registry.ollama.ai/library/stories/broken"), manifest(`sha256:${"3".repeat(64)}`, 1000));
        write(path.join(ollama, "manifests/registry.ollama.ai/library/notjson/latest"), "{not json");

        // LM Studio (~/.lmstudio/models): PUBLISHER/MODEL/FILE.gguf.
        const lmstudio = path.join(home, ".lmstudio", "models");
        link(stories, path.join(lmstudio, "acme/Stories-GGUF/stories260K-Q8_0.gguf"));
        link(stories, path.join(lmstudio, "acme/Stories-GGUF/mmproj-stories-f16.gguf"));
        link(stories, path.join(lmstudio, "acme/Big-GGUF/big-Q4_K_M-00001-of-00002.gguf"));
        write(path.join(lmstudio, "acme/Notes/notes.gguf"), "just text, not a model\n");

        // Hugging Face cache (HF_HOME/hub): models--OWNER--REPO/{refs,snapshots,blobs}.
        const repoDir = path.join(root, "hf-home", "hub", "models--acme--Stories-GGUF");
        link(stories, path.join(repoDir, "blobs", sha));
        write(path.join(repoDir, "refs", "main"), COMMIT);
        link(`../../blobs/${sha}`, path.join(repoDir, "snapshots", COMMIT, "stories260K-Q4_0.gguf"));
        write(path.join(repoDir, "blobs", `${"4".repeat(64)}.incomplete`), Buffer.alloc(1000));

        // llama.cpp's older flat cache (LLAMA_CACHE): OWNER_REPO_FILE.gguf, and a download in progress.
        const llamaCpp = path.join(root, "llama-cache");
        link(stories, path.join(llamaCpp, "acme_Stories-GGUF_stories260K-F32.gguf"));
        write(path.join(llamaCpp, "acme_Stories-GGUF_stories260K-F32.gguf.json"), "{}");
        write(path.join(llamaCpp, "acme_Other-GGUF_other-Q4_0.gguf.downloadInProgress"), Buffer.alloc(100));

        env = {...process.env, HOME: home, USERPROFILE: home, R1_HOME: path.join(root, "r1-home"), OLLAMA_MODELS: ollama,
            HF_HOME: path.join(root, "hf-home"), LLAMA_CACHE: llamaCpp, HF_HUB_CACHE: "", HUGGINGFACE_HUB_CACHE: "", XDG_CACHE_HOME: "", R1_LMSTUDIO_MODELS: ""};
        environment = {env, home, platform: "linux"};
        before_ = snapshot(root);
    });
    after(() => {
        if (root !== undefined) fs.rmSync(root, {recursive: true, force: true});
    });

    test("each store's models are found with their origin; split, incomplete and non-GGUF files are shown as such", async () => {
        const models = await findLocalStoreModels(environment);
        const byName = new Map(models.map((m) => [`${m.name} ${m.origin}`, m]));
        const status = (name: string, origin: string) => byName.get(`${name} ${origin}`)?.status;
        assert.equal(status("ollama:stories:260k", "ollama"), "ok");
        assert.equal(status("ollama:hf.co/acme/Stories-GGUF:Q8_0", "ollama"), "ok");
        assert.equal(status("ollama:stories:broken", "ollama"), "incomplete");
        assert.equal(status("lmstudio:acme/Stories-GGUF/stories260K-Q8_0.gguf", "lmstudio"), "ok");
        assert.equal(status("lmstudio:acme/Big-GGUF/big-Q4_K_M-00001-of-00002.gguf", "lmstudio"), "incomplete");
        assert.match(byName.get("lmstudio:acme/Big-GGUF/big-Q4_K_M-00001-of-00002.gguf lmstudio")!.problem!, /1 of 2 split parts/);
        assert.equal(status("lmstudio:acme/Notes/notes.gguf", "lmstudio"), "not-gguf");
        assert.equal(status("hf:acme/Stories-GGUF/stories260K-Q4_0.gguf", "hf-cache"), "ok");
        assert.equal(status("hf:acme/Stories-GGUF", "hf-cache"), "incomplete");
        assert.equal(status("llamacpp:acme_Stories-GGUF_stories260K-F32.gguf", "llama.cpp"), "ok");
        assert.equal(status("llamacpp:acme_Other-GGUF_other-Q4_0.gguf", "llama.cpp"), "incomplete");
        assert.ok(!models.some((m) => m.name.includes("mmproj")), "vision projectors are not models");
        assert.ok(!models.some((m) => m.name.includes("notjson")), "an unreadable manifest is skipped");
        assert.equal(byName.get("lmstudio:acme/Stories-GGUF/stories260K-Q8_0.gguf lmstudio")!.quant, "Q8_0");
        assert.equal(byName.get("ollama:stories:260k ollama")!.size, fs.statSync(sharedPath(STORIES)).size);
    });

    test("prefixed names resolve to the files in place; ollama:NAME means tag latest; broken ones are refused", async () => {
        const ollama = await resolveModel("ollama:stories:260k", {localStores: environment, home: env.R1_HOME});
        assert.equal(fs.realpathSync(ollama.path), fs.realpathSync(sharedPath(STORIES)));
        assert.equal(ollama.origin, "ollama");
        const hf = await resolveModel("hf:acme/Stories-GGUF/stories260K-Q4_0.gguf", {localStores: environment, home: env.R1_HOME});
        assert.equal(hf.origin, "hf-cache");
        assert.match(hf.path, /snapshots/);
        await assert.rejects(resolveModel("ollama:stories:broken", {localStores: environment}), /cannot run.*weights blob is missing/);
        await assert.rejects(resolveModel("lmstudio:acme/Big-GGUF/big-Q4_K_M-00001-of-00002.gguf", {localStores: environment}), /1 of 2 split parts/);
        await assert.rejects(resolveModel("ollama:nothing:here", {localStores: environment}), /no model ollama:nothing:here/);
        await assert.rejects(resolveModel("hf:acme/Nope-GGUF/x.gguf", {localStores: environment, home: env.R1_HOME}), /is not pulled/);
    });

    test("r1 ls --all lists them with their origin; inspect, show and plan accept the names", () => {
        const ls = r1("ls", "--all");
        assert.equal(ls.status, 0, ls.stderr);
        assert.match(ls.stdout, /ollama:stories:260k\s+ollama\s/);
        assert.match(ls.stdout, /hf:acme\/Stories-GGUF\/stories260K-Q4_0\.gguf\s+hf-cache\s/);
        assert.match(ls.stdout, /lmstudio:acme\/Big-GGUF\/big-Q4_K_M-00001-of-00002\.gguf\s+lmstudio\s.*incomplete: 1 of 2 split parts present/);
        assert.match(ls.stdout, /llamacpp:acme_Stories-GGUF_stories260K-F32\.gguf\s+llama\.cpp\s/);
        const json = JSON.parse(r1("ls", "--all", "--json").stdout) as {name: string, origin: string, status: string}[];
        assert.ok(json.some((m) => m.name === "ollama:stories:260k" && m.origin === "ollama" && m.status === "ok"));
        const plain = r1("ls");
        assert.doesNotMatch(plain.stdout, /ollama:/, "without --all only r1's own models");

        const inspect = r1("inspect", "ollama:stories:260k");
        assert.equal(inspect.status, 0, inspect.stderr);
        assert.match(inspect.stdout, /llama/);
        const show = r1("show", "hf:acme/Stories-GGUF/stories260K-Q4_0.gguf");
        assert.equal(show.status, 0, show.stderr);
        const plan = r1("plan", "lmstudio:acme/Stories-GGUF/stories260K-Q8_0.gguf", "--json", "--hardware", "cpu-8gb");
        assert.equal(plan.status, 0, plan.stderr);
        const broken = r1("inspect", "ollama:stories:broken");
        assert.equal(broken.status, 4, broken.stderr);
        assert.equal(broken.stderr.trim().split("\n").length, 1);
    });

    test("r1 run runs one in place, and refuses an incomplete split", () => {
        const run = r1("run", "ollama:stories:260k", "-p", "Once upon a time", "-n", "8", "--greedy", "--raw");
        assert.equal(run.status, 0, run.stderr);
        assert.ok(run.stdout.trim().length > 0);
        const split = r1("run", "lmstudio:acme/Big-GGUF/big-Q4_K_M-00001-of-00002.gguf", "-p", "hi");
        assert.equal(split.status, 4, split.stderr);
        assert.match(split.stderr, /1 of 2 split parts present/);
    });

    test("r1 serve's sources list them in /v1/models and /api/tags", async () => {
        const source = new LocalStoreModelSource({load: () => Promise.reject(new Error("not loaded in this test")), environment});
        const {app} = createServerApp({source});
        const openai = await (await app.request("/v1/models")).json() as {data: {id: string}[]};
        const ids = openai.data.map((m) => m.id);
        assert.ok(ids.includes("ollama:stories:260k"), ids.join(", "));
        assert.ok(ids.includes("hf:acme/Stories-GGUF/stories260K-Q4_0.gguf"));
        assert.ok(!ids.includes("ollama:stories:broken"), "incomplete models are not offered");
        const tags = await (await app.request("/api/tags")).json() as {models: {name: string, digest: string}[]};
        const tag = tags.models.find((m) => m.name === "ollama:stories:260k");
        assert.ok(tag !== undefined);
        assert.equal(tag.digest, createHash("sha256").update(fs.readFileSync(sharedPath(STORIES))).digest("hex"));
        assert.equal(await source.resolve("../../etc/passwd"), undefined, "only names the source found");
    });

    test("nothing in the stores was written, moved or copied", () => {
        assert.deepEqual(snapshot(root).filter((entry) => !entry.startsWith("r1-home")), before_.filter((entry) => !entry.startsWith("r1-home")));
    });
});

describe("localStoreDirs", () => {
    test("follows each program's documented defaults and variables", () => {
        const linux = localStoreDirs({env: {}, home: "/home/u", platform: "linux"});
        assert.deepEqual(linux.ollama, ["/home/u/.ollama/models", "/usr/share/ollama/.ollama/models"]);
        assert.deepEqual(linux.lmstudio, ["/home/u/.lmstudio/models", "/home/u/.cache/lm-studio/models"]);
        assert.equal(linux.hfCache, "/home/u/.cache/huggingface/hub");
        assert.deepEqual(linux.llamaCpp, ["/home/u/.cache/llama.cpp"]);
        const mac = localStoreDirs({env: {}, home: "/Users/u", platform: "darwin"});
        assert.deepEqual(mac.ollama, ["/Users/u/.ollama/models"]);
        assert.deepEqual(mac.llamaCpp, ["/Users/u/Library/Caches/llama.cpp"]);
        const win = localStoreDirs({env: {LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local"}, home: "C:\\Users\\u", platform: "win32"});
        assert.deepEqual(win.ollama, ["C:\\Users\\u\\.ollama\\models"]);
        assert.equal(win.hfCache, "C:\\Users\\u\\.cache\\huggingface\\hub");
        assert.deepEqual(win.llamaCpp, ["C:\\Users\\u\\AppData\\Local\\llama.cpp"]);
        const set = localStoreDirs({env: {OLLAMA_MODELS: "/m", HF_HOME: "/hf", LLAMA_CACHE: "/lc", XDG_CACHE_HOME: "/x"}, home: "/home/u", platform: "linux"});
        assert.deepEqual(set.ollama, ["/m"]);
        assert.equal(set.hfCache, "/hf/hub");
        assert.deepEqual(set.llamaCpp, ["/lc"]);
        assert.deepEqual(localStoreDirs({env: {R1_LMSTUDIO_MODELS: "/lms"}, home: "/h", platform: "linux"}).lmstudio, ["/lms"]);
        assert.equal(localStoreDirs({env: {HF_HUB_CACHE: "/c", HF_HOME: "/hf"}, home: "/h", platform: "linux"}).hfCache, "/c");
        assert.equal(localStoreDirs({env: {XDG_CACHE_HOME: "/x"}, home: "/h", platform: "linux"}).hfCache, "/x/huggingface/hub");
    });
});
