// `r1 run NAME` for a catalog model that is not pulled: size and verdict, one question on a
// terminal, --yes for scripts, a one-line error without a terminal; against the loopback fake hub,
// serving the shared stories260K bytes under the catalog's file name so the pulled model runs.
import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, before, describe, test} from "node:test";
import {decideAutoPull, isYes, type MissingModel} from "../../src/cli/pullIfMissing.js";
import {resolvePullSource} from "../../src/store/index.js";
import {FakeHub} from "../helpers/fakeHub.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

const STORIES = "models/stories260K.gguf";
const NAME = "deepseek-r1:1.5b";
const hasScript = spawnSync("script", ["--version"]).status === 0;

describe("decideAutoPull", () => {
    const model: MissingModel = {name: NAME, label: "DeepSeek-R1-Distill-Qwen-1.5B Q4_K_M", bytes: 1_100_000_000,
        plan: {verdict: "usable", placementDetail: "all 29 layers on GPU", generationTokensPerSecond: 31.4}, freeDiskBytes: 50e9};
    test("asks on a terminal, with the size and this machine's verdict", () => {
        const decision = decideAutoPull(model, {yes: false, interactive: true});
        assert.equal(decision.kind, "ask");
        assert.equal(decision.kind === "ask" && decision.question,
            "deepseek-r1:1.5b is not pulled: DeepSeek-R1-Distill-Qwen-1.5B Q4_K_M, 1.10 GB; on this machine: usable, ~31.4 tok/s. Pull it now? [Y/n] ");
    });
    test("--yes pulls; without a terminal and without --yes it refuses with the pull command", () => {
        assert.equal(decideAutoPull(model, {yes: true, interactive: false}).kind, "pull");
        const refused = decideAutoPull(model, {yes: false, interactive: false});
        assert.equal(refused.kind, "refuse");
        assert.match(refused.kind === "refuse" ? `${refused.error.message} ${refused.error.hint}` : "", /not pulled run `r1 pull deepseek-r1:1\.5b` first, or pass --yes/);
    });
    test("a model that does not fit, in memory or on disk, is refused before any download, even with --yes", () => {
        const tooBig = decideAutoPull({...model, plan: {...model.plan!, verdict: "does-not-fit", placementDetail: "needs 420 GB, 24 GB available"}}, {yes: true, interactive: true});
        assert.equal(tooBig.kind, "refuse");
        assert.match(tooBig.kind === "refuse" ? tooBig.error.message : "", /does not fit this machine: needs 420 GB/);
        const noDisk = decideAutoPull({...model, freeDiskBytes: 500_000_000}, {yes: true, interactive: true});
        assert.equal(noDisk.kind, "refuse");
        assert.match(noDisk.kind === "refuse" ? noDisk.error.message : "", /needs 1\.10 GB of disk, 500 MB is free/);
    });
    test("Enter, y and yes mean yes", () => {
        for (const answer of ["", "y", "Y", "yes", " yes\n"]) assert.ok(isYes(answer), answer);
        for (const answer of ["n", "no", "nope", "q"]) assert.ok(!isYes(answer), answer);
    });
});

describe("r1 run of a catalog model that is not pulled (CLI, fake hub)", {skip: skipWithoutShared(STORIES)}, () => {
    const hub = new FakeHub();
    let home: string;
    const env = () => ({...process.env, R1_HOME: home, HF_ENDPOINT: hub.url, HF_TOKEN: "", HUGGING_FACE_HUB_TOKEN: "", NO_COLOR: "1", FORCE_COLOR: "0"});
    const run = (args: string[], input = ""): Promise<{code: number | null, stdout: string, stderr: string}> => new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {env: env()});
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdin.end(input);
        child.on("close", (code) => resolve({code, stdout, stderr}));
    });
    /** In a pseudo-terminal (util-linux `script`), typing `answer` at the question. */
    const runInTerminal = (args: string[], answer: string): Promise<{code: number | null, screen: string}> => new Promise((resolve) => {
        const quoted = [process.execPath, path.join(repoRoot, "bin/r1.js"), ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(" ");
        const child = spawn("script", ["-qfec", quoted, "/dev/null"], {env: {...env(), TERM: "dumb"}});
        let screen = "";
        let answered = false;
        const onData = (chunk: Buffer) => {
            screen += chunk.toString();
            if (!answered && screen.includes("[Y/n]")) {
                answered = true;
                child.stdin.write(`${answer}\r`);
            }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.on("close", (code) => resolve({code, screen}));
    });
    const pulledFile = () => path.join(home, "models");

    before(async () => {
        await hub.start();
        const source = resolvePullSource(NAME);
        hub.addRepo(source.repo, {files: source.files.map((file) => ({path: file, body: fs.readFileSync(sharedPath(STORIES))}))});
        home = fs.mkdtempSync(path.join(os.tmpdir(), "r1-autopull-"));
    });
    after(async () => {
        await hub.close();
        fs.rmSync(home, {recursive: true, force: true});
    });

    test("without a terminal and without --yes: one line naming the pull command, nothing downloaded", async () => {
        const result = await run(["run", NAME, "-p", "Once upon a time", "--raw", "-n", "4"]);
        assert.equal(result.code, 3, result.stderr);
        assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.match(result.stderr, /Model deepseek-r1:1\.5b is not pulled\. Run `r1 pull deepseek-r1:1\.5b` first, or pass --yes to pull it now\./);
        assert.equal(hub.bodyRequests().length, 0);
    });

    test("on a terminal, answering n downloads nothing", {skip: hasScript ? false : "needs util-linux `script`"}, async () => {
        const result = await runInTerminal(["run", NAME, "-p", "Once upon a time", "--raw", "-n", "4"], "n");
        assert.match(result.screen, /deepseek-r1:1\.5b is not pulled: .*Q4_K_M, [\d.]+ [GM]B; on this machine: [a-z ]+, ~[\d.]+ tok\/s\. Pull it now\? \[Y\/n\]/);
        assert.notEqual(result.code, 0);
        assert.match(result.screen, /was not pulled/);
        assert.equal(hub.bodyRequests().length, 0);
    });

    test("on a terminal, Enter pulls with the usual progress and then runs", {skip: hasScript ? false : "needs util-linux `script`"}, async () => {
        const result = await runInTerminal(["run", NAME, "-p", "Once upon a time", "--raw", "-n", "4", "--greedy"], "");
        assert.equal(result.code, 0, result.screen);
        assert.match(result.screen, /pulled .*deepseek-r1-distill-qwen-1\.5b:Q4_K_M/);
        assert.ok(hub.bodyRequests().length > 0);
        fs.rmSync(pulledFile(), {recursive: true, force: true});
    });

    test("--yes pulls without asking, then runs; a second run uses the pulled model", async () => {
        const before = hub.bodyRequests().length;
        const first = await run(["run", NAME, "--yes", "-p", "Once upon a time", "--raw", "-n", "4", "--greedy"]);
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stderr, /pulling it \(--yes\)/);
        assert.match(first.stderr, /pulled /);
        assert.ok(first.stdout.trim().length > 0);
        assert.ok(hub.bodyRequests().length > before);
        const afterPull = hub.bodyRequests().length;
        const second = await run(["run", NAME, "-p", "Once upon a time", "--raw", "-n", "4", "--greedy"]);
        assert.equal(second.code, 0, second.stderr);
        assert.equal(hub.bodyRequests().length, afterPull, "nothing downloaded again");
    });
});
