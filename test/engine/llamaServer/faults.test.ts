import {after, test} from "node:test";
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {LlamaServerExitedError, LlamaServerStartError} from "../../../src/engine/llamaServer/errors.js";
import {LlamaServerModel} from "../../../src/engine/llamaServer/LlamaServerModel.js";
import type {GenerationEvent} from "../../../src/engine/types.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../../helpers/llamaCppTools.js";
import {isRunning, processesMatching, waitUntil} from "../../helpers/processTable.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../../helpers/shared.js";
import {R1_VOCAB, writeSteadyTinyR1Model} from "../tinyR1Model.js";

const MODEL = "models/stories260K.gguf";
const skip = skipWithoutLlamaCppTools("llama-server") || skipWithoutShared(MODEL);
const dir = mkdtempSync(path.join(os.tmpdir(), ".r1-test-llama-server-faults-"));
after(() => rmSync(dir, {recursive: true, force: true}));

function oneLine(error: unknown): boolean {
    return error instanceof Error && !error.message.includes("\n") && error.message.length < 400;
}

/** A stand-in llama-server: a shell script (its name carries `marker`) that starts a child and never answers. */
function silentServer(marker: string): string {
    const file = path.join(dir, `llama-server-${marker}`);
    writeFileSync(file, `#!/bin/sh\necho "loading model (${marker})"\nsleep 6011 &\nwait\n`);
    chmodSync(file, 0o755);
    return file;
}

test("binary missing: one line, exit code 3", async () => {
    await assert.rejects(LlamaServerModel.load({path: sharedPath(MODEL), binary: path.join(dir, "no-such-llama-server")}), (error: unknown) =>
        error instanceof LlamaServerStartError && error.exitCode === 3 && oneLine(error) && /not found/.test(error.message));
});

test("slow start: a llama-server that never gets healthy is stopped, with its log in the error, and nothing is left running", {skip: skipWithoutShared(MODEL)}, async () => {
    const binary = silentServer("slow");
    await assert.rejects(LlamaServerModel.load({path: sharedPath(MODEL), binary, startTimeoutMs: 4_000}), (error: unknown) =>
        error instanceof LlamaServerStartError && oneLine(error) && /did not become ready within 4 s/.test(error.message) && /loading model \(slow\)/.test(error.message));
    // The script and the child it started went with their process group.
    assert.deepEqual(processesMatching(binary), []);
    assert.deepEqual(processesMatching("sleep 6011"), []);
});

test("port taken: one line naming the port, nothing left running", {skip}, async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
        await assert.rejects(LlamaServerModel.load({path: sharedPath(MODEL), binary: llamaCppToolPath("llama-server"), port, launch: {contextSize: 256, threads: 1}}),
            (error: unknown) => error instanceof LlamaServerStartError && oneLine(error) && error.message.includes(`127.0.0.1:${port}: the port is in use`));
        assert.deepEqual(processesMatching(`--port ${port}`), []);
    } finally {
        blocker.close();
    }
});

test("killed mid-stream: a one-line error, a notice, one restart, and the model answers again", {skip: skip || skipWithoutShared(R1_VOCAB)}, async () => {
    // A reply that never ends by itself (see writeSteadyTinyR1Model): surely running when llama-server is killed.
    const tiny = await writeSteadyTinyR1Model();
    const notices: string[] = [];
    const model = await LlamaServerModel.load({path: tiny.path, binary: llamaCppToolPath("llama-server"), launch: {contextSize: 4096, threads: 1},
        onNotice: (message) => notices.push(message)});
    try {
        const first = model.process;
        const events: GenerationEvent[] = [];
        await assert.rejects(async () => {
            for await (const event of model.complete("Once upon a time", {maxTokens: 4000, temperature: 0})) {
                events.push(event);
                if (events.length === 2) process.kill(first.pid, "SIGKILL");
            }
        }, (error: unknown) => error instanceof LlamaServerExitedError && oneLine(error) && /killed by SIGKILL during the reply/.test(error.message));
        await waitUntil(() => notices.some((n) => /restarted$/.test(n)), "llama-server was restarted");
        assert.ok(notices.some((n) => /was killed by SIGKILL.*; restarting it$/.test(n)), notices.join(" | "));
        assert.notEqual(model.process.pid, first.pid);
        let tokens = 0;
        for await (const event of model.complete("Once upon a time", {maxTokens: 4, temperature: 0})) if (event.type === "done") tokens = event.result.usage.completionTokens;
        assert.equal(tokens, 4);
    } finally {
        await model.dispose();
        tiny.cleanup();
    }
    assert.equal(isRunning(model.process.pid), false);
});

test("a llama-server that dies of SIGILL while loading is started again with --no-repack, and says so", {skip: skip || (process.platform !== "linux" && "reads /proc")}, async () => {
    // r1 engine build leaves AMX out where its kernels fault, so the real build no longer does this here;
    // the stand-in dies of SIGILL unless given --no-repack, as a build with unusable AMX kernels would.
    const binary = path.join(dir, "llama-server-sigill");
    writeFileSync(binary, `#!/bin/sh\ncase " $* " in *" --no-repack "*) exec ${JSON.stringify(llamaCppToolPath("llama-server"))} "$@";; esac\n`
        + `echo "load_tensors: AMX model buffer size"\nkill -ILL $$\n`);
    chmodSync(binary, 0o755);
    const notices: string[] = [];
    const model = await LlamaServerModel.load({path: sharedPath(MODEL), binary, launch: {contextSize: 256, threads: 1}, onNotice: (message) => notices.push(message)});
    try {
        assert.equal(model.process.repackDisabled, true);
        assert.ok(notices.some((n) => /illegal instruction.*--no-repack$/.test(n)), notices.join(" | "));
        // The stand-in execs the real llama-server: same process, its command line.
        const cmdline = readFileSync(`/proc/${model.process.pid}/cmdline`, "utf8").split("\0");
        assert.ok(cmdline.includes("--no-repack") && cmdline[0] === llamaCppToolPath("llama-server"), cmdline.join(" "));
        let tokens = 0;
        for await (const event of model.complete("Once upon a time", {maxTokens: 4, temperature: 0})) if (event.type === "done") tokens = event.result.usage.completionTokens;
        assert.equal(tokens, 4);
    } finally {
        await model.dispose();
    }
    assert.equal(isRunning(model.process.pid), false);
});

test("r1 killed with SIGKILL: the kernel takes its llama-server with it", {skip}, async () => {
    const script = path.join(dir, "hold.mts");
    writeFileSync(script, `import {LlamaServerModel} from ${JSON.stringify(path.join(repoRoot, "src/engine/llamaServer/LlamaServerModel.ts"))};
const model = await LlamaServerModel.load({path: ${JSON.stringify(sharedPath(MODEL))}, binary: ${JSON.stringify(llamaCppToolPath("llama-server"))}, launch: {contextSize: 256, threads: 1}});
process.stdout.write(model.process.pid + "\\n");
setInterval(() => {}, 1000);
`);
    const holder = spawn(process.execPath, ["--import", "tsx", script], {stdio: ["ignore", "pipe", "inherit"], cwd: repoRoot});
    const pid = await new Promise<number>((resolve, reject) => {
        let out = "";
        holder.stdout!.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes("\n")) resolve(Number(out.trim()));
        });
        holder.once("exit", (code) => reject(new Error(`holder exited with ${code}`)));
    });
    assert.equal(isRunning(pid), true);
    holder.kill("SIGKILL");
    await waitUntil(() => !isRunning(pid), `llama-server ${pid} is gone after its parent was killed`);
});
