import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {RPC_PROTOCOL_VERSION} from "../../src/engine/rpcProtocol/index.js";
import {startFakeRpcWorker} from "../helpers/fakeRpcWorker.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

const MODEL = "models/stories260K.gguf";
const home = mkdtempSync(path.join(os.tmpdir(), ".r1-rpc-version-"));
after(() => rmSync(home, {recursive: true, force: true}));

/** `r1 …` asynchronously (the fake workers answer from this process's event loop), timed. */
function r1(args: string[]): Promise<{status: number | null, stdout: string, stderr: string, ms: number}> {
    const env: NodeJS.ProcessEnv = {...process.env, R1_HOME: home, NO_COLOR: "1"};
    delete env.NODE_TEST_CONTEXT;
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {env});
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (data: Buffer) => stdout += data);
        child.stderr.on("data", (data: Buffer) => stderr += data);
        child.on("close", (status) => resolve({status, stdout, stderr, ms: Date.now() - started}));
    });
}

/**
 * A worker of another llama.cpp release: a loopback server answering RPC_CMD_HELLO with another
 * protocol version (another major, or a newer minor — llama.cpp's client refuses both). The good
 * worker first in the list shows the refusal names the right one.
 */
async function refusesOtherVersion(command: (rpc: string) => string[]): Promise<void> {
    for (const version of [[7, 0, 0], [6, 1, 0]] as const) {
        const good = await startFakeRpcWorker();
        const other = await startFakeRpcWorker({version});
        try {
            const result = await r1(command(`${good.endpoint},${other.endpoint}`));
            const line = result.stderr.trim();
            assert.equal(result.status, 5, result.stderr);
            assert.equal(line.split("\n").length, 1, line);
            const expected = `r1: RPC worker ${other.endpoint} speaks RPC protocol v${version.join(".")}, this r1's llama.cpp speaks v${RPC_PROTOCOL_VERSION}`;
            assert.ok(line.startsWith(expected), `${line}\n!= ${expected}…`);
            assert.match(line, /same r1 \(llama\.cpp release\) on every machine/);
            // Within seconds even on a busy machine (node's start is most of it).
            assert.ok(result.ms < 30_000, `${result.ms} ms`);
        } finally {
            await Promise.all([good.close(), other.close()]);
        }
    }
}

test("r1 plan --rpc with a worker of another RPC protocol version: one line naming it and both versions", async () => {
    await refusesOtherVersion((rpc) => ["plan", "deepseek-r1", "--quant", "Q4_K_M", "--rpc", rpc]);
});

test("r1 run --rpc with a worker of another RPC protocol version: one line naming it and both versions, before llama-server starts",
    {skip: skipWithoutShared(MODEL)}, async () => {
        await refusesOtherVersion((rpc) => ["run", sharedPath(MODEL), "--rpc", rpc, "-p", "x", "--raw", "-n", "1"]);
    });
