// `r1 pull / ls / rm / show` as a user runs them: a real child process against the loopback hub,
// including `kill -9` in the middle of a download and the resume after it. Needs `npx tsc` (npm test builds).
import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {after, before, describe, test} from "node:test";
import assert from "node:assert/strict";
import {spawn, type ChildProcess} from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {ModelStore} from "../../src/store/index.js";
import {FakeHub, fakeGgufBody} from "../helpers/fakeHub.js";
import {repoRoot} from "../helpers/shared.js";

const hub = new FakeHub();
const body = fakeGgufBody(400 * 1024, 41);
const NAME = "hf:acme/cli-GGUF/cli-Q4_K_M.gguf";
let home: string;

interface Run {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

function start(args: string[]): {child: ChildProcess, done: Promise<Run>} {
    // Async spawn: the hub answers from this process, so a synchronous spawn would deadlock.
    const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {
        env: {...process.env, R1_HOME: home, HF_ENDPOINT: hub.url, HF_TOKEN: "", HUGGING_FACE_HUB_TOKEN: "", NO_COLOR: "1", FORCE_COLOR: "0"}
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<Run>((resolve) => child.on("close", (code, signal) => resolve({code, signal, stdout, stderr})));
    return {child, done};
}

function r1(...args: string[]): Promise<Run> {
    return start(args).done;
}

before(async () => {
    await hub.start();
    hub.addRepo("acme/cli-GGUF", {files: [{path: "cli-Q4_K_M.gguf", body}, {path: "cli-Q8_0.gguf", body: fakeGgufBody(10_000, 42)}]});
    home = await fs.mkdtemp(path.join(os.tmpdir(), "r1-cli-"));
});
after(async () => {
    await hub.close();
    await fs.rm(home, {recursive: true, force: true});
});

describe("r1 pull (CLI)", () => {
    test("killed with SIGKILL mid-download, the next run resumes with Range and ends byte-identical", async () => {
        const store = new ModelStore({home});
        const dest = store.filePath(NAME, "cli-Q4_K_M.gguf");
        hub.resetFaults();
        hub.faults.trickle = {chunkBytes: 8 * 1024, intervalMs: 25};
        const first = start(["pull", NAME]);
        // Wait until a good part of the file is on disk, then kill without warning.
        const deadline = Date.now() + 60_000;
        for (;;) {
            const size = await fs.stat(`${dest}.incomplete`).then((s) => s.size, () => 0);
            if (size >= 100 * 1024) break;
            assert.ok(Date.now() < deadline, "the download never got going");
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
        first.child.kill("SIGKILL");
        const killed = await first.done;
        assert.equal(killed.signal, "SIGKILL");
        const kept = (await fs.stat(`${dest}.incomplete`)).size;
        assert.ok(kept > 0 && kept < body.length);
        await assert.rejects(fs.access(dest), "a killed pull must leave nothing that looks complete");
        assert.equal((await store.inspect(NAME))?.status, "partial");

        hub.resetFaults();
        const bodiesBefore = hub.bodyRequests().length;
        const second = await r1("pull", NAME);
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stderr, /resuming cli-Q4_K_M\.gguf/);
        // The progress bar (printed as lines without a terminal): bytes, rate and ETA.
        assert.match(second.stderr, /\d+% [\d.]+ [KM]?B\/[\d.]+ [KM]?B [\d.]+ [KM]?B\/s ETA/);
        assert.match(second.stderr, /pulled .*verified/);
        const resumed = hub.bodyRequests().slice(bodiesBefore);
        assert.equal(resumed.length, 1);
        const from = Number(/^bytes=(\d+)-$/.exec(resumed[0]?.range ?? "")?.[1]);
        assert.ok(from > 0 && from <= kept, `resumed at ${resumed[0]?.range}, ${kept} bytes were kept`);
        assert.ok((await fs.readFile(dest)).equals(body));
        assert.equal((await store.get(NAME)).status, "complete");
    });

    test("ls, show and rm see the truth; --json gives machine-readable output", async () => {
        const listed = await r1("ls", "--json");
        assert.equal(listed.code, 0, listed.stderr);
        const rows = JSON.parse(listed.stdout) as {name: string, status: string, size: number}[];
        assert.deepEqual(rows.map((r) => [r.name, r.status, r.size]), [[NAME, "complete", body.length]]);
        const table = await r1("ls");
        assert.match(table.stdout, /NAME\s+QUANT\s+SIZE\s+MODIFIED/);
        assert.match(table.stdout, /hf:acme\/cli-GGUF\/cli-Q4_K_M\.gguf\s+Q4_K_M/);
        const shown = await r1("show", NAME);
        assert.equal(shown.code, 0, shown.stderr);
        assert.match(shown.stdout, /sha256 [0-9a-f]{64}/);
        assert.match(shown.stdout, /architecture\s+llama/);
        const removed = await r1("rm", NAME);
        assert.equal(removed.code, 0, removed.stderr);
        assert.match(removed.stdout, /deleted/);
        assert.deepEqual(await new ModelStore({home}).list(), []);
    });

    test("--json prints one JSON event per line, ending with done", async () => {
        const run = await r1("pull", NAME, "--json");
        assert.equal(run.code, 0, run.stderr);
        const events = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as {type: string});
        assert.equal(events[0]?.type, "resolving");
        assert.ok(events.some((e) => e.type === "resolved"));
        assert.ok(events.some((e) => e.type === "progress"));
        assert.equal(events.at(-1)?.type, "done");
    });

    test("a missing file is one line naming it and the repo's GGUF files, exit 3", async () => {
        const run = await r1("pull", "hf:acme/cli-GGUF/cli-Q2_K.gguf");
        assert.equal(run.code, 3);
        const lines = run.stderr.trim().split("\n");
        assert.equal(lines.length, 1);
        assert.match(lines[0]!, /cli-Q2_K\.gguf not found in acme\/cli-GGUF.*cli-Q4_K_M\.gguf, cli-Q8_0\.gguf/);
    });
});
