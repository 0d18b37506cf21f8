// bin/r1.js re-executes node for `serve`; the re-executed server must die with the launcher, even
// when the launcher is killed with SIGKILL (nothing can be passed on), and the launcher must report
// how the server ended (killed by SIGKILL → 137, as a shell would).
import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawn, type ChildProcess} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {repoRoot} from "../helpers/shared.js";

const bin = path.join(repoRoot, "bin/r1.js");

async function startLauncher(home: string): Promise<{launcher: ChildProcess, port: number, serverPid: number}> {
    const env: NodeJS.ProcessEnv = {...process.env, R1_HOME: home};
    delete env.R1_API_KEY;
    delete env.NODE_TEST_CONTEXT;
    delete env.UV_THREADPOOL_SIZE;
    const launcher = spawn(process.execPath, [bin, "serve", "--port", "0"], {env, stdio: ["ignore", "ignore", "pipe"]});
    let stderr = "";
    const port = await new Promise<number>((resolve, reject) => {
        launcher.stderr!.on("data", (data: Buffer) => {
            stderr += data.toString();
            const match = /listening on \S*?http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr.replace(/\u001b\[[0-9;]*m/g, ""));
            if (match !== null) resolve(Number(match[1]));
        });
        launcher.once("exit", (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    // The launcher's one child is the server (Linux lists a task's children in /proc).
    const children = readFileSync(`/proc/${launcher.pid}/task/${launcher.pid}/children`, "utf8").trim().split(/\s+/).map(Number);
    assert.equal(children.length, 1);
    return {launcher, port, serverPid: children[0]!};
}

function listening(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({host: "127.0.0.1", port});
        socket.once("connect", () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("error", () => resolve(false));
    });
}

function alive(pid: number): boolean {
    try {
        // A reaped process is gone; an unreaped one (no init to reap it in a container) is a zombie.
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return false;
    }
}

async function until(condition: () => Promise<boolean> | boolean, what: string, limitMs = 20_000): Promise<void> {
    const started = Date.now();
    while (!await condition()) {
        if (Date.now() - started > limitMs) throw new Error(`${what} within ${limitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

test("kill -9 of the launcher: the server stops and frees its port", {skip: process.platform !== "linux" && "reads /proc", timeout: 90_000}, async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), ".r1-launcher-"));
    let serverPid: number | undefined;
    try {
        const started = await startLauncher(home);
        serverPid = started.serverPid;
        assert.equal(await listening(started.port), true);
        started.launcher.kill("SIGKILL");
        await until(async () => !await listening(started.port), "the port was still open");
        await until(() => !alive(started.serverPid), "the server process was still running");
    } finally {
        if (serverPid !== undefined && alive(serverPid)) process.kill(serverPid, "SIGKILL");
        rmSync(home, {recursive: true, force: true});
    }
});

test("a server killed by SIGKILL makes the launcher exit 137", {skip: process.platform !== "linux" && "reads /proc", timeout: 90_000}, async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), ".r1-launcher-"));
    try {
        const {launcher, serverPid} = await startLauncher(home);
        const exited = new Promise<number | null>((resolve) => launcher.once("exit", (code) => resolve(code)));
        process.kill(serverPid, "SIGKILL");
        assert.equal(await exited, 137);
    } finally {
        rmSync(home, {recursive: true, force: true});
    }
});
