import "../../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {llamaCppPaths} from "../../../src/engine/llamaCppTools/index.js";
import {isRunning, waitUntil} from "../../helpers/processTable.js";
import {repoRoot} from "../../helpers/shared.js";

function r1(args: string[], env: NodeJS.ProcessEnv) {
    return spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {encoding: "utf8", env: {...process.env, ...env, NO_COLOR: "1"}});
}

test("r1 engine ls names an incompatible llama-server on PATH; r1 engine build without cmake is one line, exit 3", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-engine-cli-"));
    try {
        const bin = path.join(dir, "bin");
        await mkdir(bin);
        await writeFile(path.join(bin, "llama-server"), "#!/bin/sh\necho 'version: 2500 (deadbee)' >&2\n");
        await chmod(path.join(bin, "llama-server"), 0o755);
        const env = {R1_HOME: path.join(dir, "home"), PATH: bin};

        const ls = r1(["engine", "ls", "--json"], env);
        assert.equal(ls.status, 0, ls.stderr);
        const listed = JSON.parse(ls.stdout);
        assert.equal(listed.installs.length, 1);
        assert.equal(listed.installs[0].origin, "path");
        assert.equal(listed.installs[0].compatible, false);
        assert.match(listed.installs[0].problem, /^is llama\.cpp b2500 \(deadbee\), not v/);
        assert.deepEqual(listed.use, {});

        const table = r1(["engine", "ls"], env);
        assert.match(table.stdout, /incompatible: is llama\.cpp b2500/);
        assert.match(table.stdout, /missing: llama-server, ggml-rpc-server, llama-imatrix — build them with r1 engine build/);

        const build = r1(["engine", "build", "--backend", "cpu"], env);
        assert.equal(build.status, 3);
        const lines = build.stderr.trim().split("\n");
        assert.equal(lines.at(-1), "r1: r1 engine build needs cmake, which is not installed. Install cmake 3.14 or newer from your package manager or cmake.org.");
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});

test("r1 engine build: Ctrl-C mid-compile stops cmake (exit 130) and the next build resumes without configuring again", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-engine-resume-"));
    try {
        const bin = path.join(dir, "bin");
        await mkdir(bin);
        // A cmake that configures at once (caching its -D options as cmake does) and compiles slowly while `slow` exists.
        await writeFile(path.join(bin, "cmake"), `#!/bin/sh
echo "$*" >> "${dir}/calls"
if [ "$1" = "-S" ]; then
  src="$2"; build="$4"; shift 4; mkdir -p "$build"
  { echo "CMAKE_HOME_DIRECTORY:INTERNAL=$src"; echo "CMAKE_GENERATOR:INTERNAL=Ninja"
    for a in "$@"; do case "$a" in -D*) kv="\${a#-D}"; echo "\${kv%%=*}:STRING=\${kv#*=}";; esac; done; } > "$build/CMakeCache.txt"
  exit 0
fi
echo "[1/2] Building CXX object ggml.o"
if [ -f "${dir}/slow" ]; then echo $$ > "${dir}/compiler.pid"; exec sleep 600; fi
mkdir -p "$2/bin"; for t in llama-server ggml-rpc-server llama-imatrix; do printf '#!/bin/sh\\n' > "$2/bin/$t"; chmod +x "$2/bin/$t"; done
echo "[2/2] Linking CXX executable bin/llama-server"
`);
        await chmod(path.join(bin, "cmake"), 0o755);
        const home = path.join(dir, "home");
        const paths = llamaCppPaths({r1Home: home, backend: "cpu"});
        await mkdir(paths.sourceDir, {recursive: true});
        await writeFile(path.join(paths.sourceDir, "CMakeLists.txt"), "");
        await writeFile(path.join(dir, "slow"), "");
        const env = {...process.env, R1_HOME: home, PATH: `${bin}:/usr/bin:/bin`, NO_COLOR: "1"};
        const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), "engine", "build", "--backend", "cpu"], {env, stdio: ["ignore", "pipe", "pipe"]});
        let stderr = "";
        child.stderr.on("data", (data: Buffer) => stderr += data);
        const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
        // Wait until the compile step runs (the fake compiler wrote its pid), then Ctrl-C.
        await waitUntil(() => existsSync(path.join(dir, "compiler.pid")), "the compile step started", 60_000);
        child.kill("SIGINT");
        assert.equal(await exited, 130, stderr);
        assert.match(stderr, /r1 engine build interrupted/);
        const compiler = Number(await readFile(path.join(dir, "compiler.pid"), "utf8"));
        await waitUntil(() => !isRunning(compiler), "the compiler stopped", 10_000);
        assert.equal(existsSync(paths.stampFile), false);
        await rm(path.join(dir, "slow"));
        const calls = (await readFile(path.join(dir, "calls"), "utf8")).trim().split("\n").length;
        const again = spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "engine", "build", "--backend", "cpu"], {env, encoding: "utf8"});
        assert.equal(again.status, 0, again.stderr);
        const after = (await readFile(path.join(dir, "calls"), "utf8")).trim().split("\n").slice(calls);
        assert.deepEqual(after.map((call) => call.split(" ")[0]), ["--build"], "resumed: no configure, one build");
        assert.ok(existsSync(paths.stampFile));
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});

test("r1 engine build: SIGINT to r1 alone (not its process group) stops the whole build tree at once, exit 130, nothing left running", async () => {
    await stopsBuildTree("SIGINT", 130);
});

test("r1 engine build: SIGTERM to r1 stops the whole build tree too, exit 143", async () => {
    await stopsBuildTree("SIGTERM", 143);
});

/** Starts `r1 engine build` on a fake cmake whose build tree runs long, sends `signal` to r1's pid alone, checks it all ends. */
async function stopsBuildTree(signal: NodeJS.Signals, exitCode: number): Promise<void> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-engine-sigint-"));
    const pidsFile = path.join(dir, "pids");
    const pids = async () => existsSync(pidsFile) ? (await readFile(pidsFile, "utf8")).trim().split("\n").map(Number) : [];
    let child: ReturnType<typeof spawn> | undefined;
    try {
        const bin = path.join(dir, "bin");
        await mkdir(bin);
        // cmake --build as it behaves: it runs ninja and waits for it, and a TERM or INT sent to cmake alone does not end ninja
        // (here cmake notes the signal and waits on); ninja runs compilers that take long. Every process writes its pid.
        await writeFile(path.join(bin, "cmake"), `#!/bin/sh
if [ "$1" = "-S" ]; then
  src="$2"; build="$4"; shift 4; mkdir -p "$build"
  { echo "CMAKE_HOME_DIRECTORY:INTERNAL=$src"; echo "CMAKE_GENERATOR:INTERNAL=Ninja"
    for a in "$@"; do case "$a" in -D*) kv="\${a#-D}"; echo "\${kv%%=*}:STRING=\${kv#*=}";; esac; done; } > "$build/CMakeCache.txt"
  exit 0
fi
echo $$ >> "${pidsFile}"
"${bin}/fake-ninja" &
ninja=$!
trap 'echo "cmake: waiting for ninja"' INT TERM
while kill -0 $ninja 2>/dev/null; do wait $ninja; done
`);
        await writeFile(path.join(bin, "fake-ninja"), `#!/bin/sh
echo $$ >> "${pidsFile}"
echo "[1/2] Building CXX object ggml.o"
sleep 600 & echo $! >> "${pidsFile}"
sleep 600 & echo $! >> "${pidsFile}"
wait
`);
        await chmod(path.join(bin, "cmake"), 0o755);
        await chmod(path.join(bin, "fake-ninja"), 0o755);
        const home = path.join(dir, "home");
        const paths = llamaCppPaths({r1Home: home, backend: "cpu"});
        await mkdir(paths.sourceDir, {recursive: true});
        await writeFile(path.join(paths.sourceDir, "CMakeLists.txt"), "");
        child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), "engine", "build", "--backend", "cpu"],
            {env: {...process.env, R1_HOME: home, PATH: `${bin}:/usr/bin:/bin`, NO_COLOR: "1"}, stdio: ["ignore", "pipe", "pipe"]});
        let stderr = "";
        child.stderr!.on("data", (data: Buffer) => stderr += data);
        let code: number | null | undefined;
        child.on("close", (status) => code = status);
        // cmake, ninja and both compilers are running.
        await waitUntil(async () => (await pids()).length === 4, "the build tree is running", 60_000);
        const tree = await pids();
        assert.ok(tree.every(isRunning));
        assert.ok(process.kill(child.pid!, signal), `${signal} to r1's own pid only`);
        // Promptly: well inside the compilers' 600 s, however busy the machine.
        await waitUntil(() => code !== undefined, `r1 exited after ${signal}`, 30_000);
        assert.equal(code, exitCode, stderr);
        assert.match(stderr, /r1 engine build interrupted/);
        assert.deepEqual(tree.filter(isRunning), [], "no process of the build tree outlives r1");
        assert.equal(existsSync(paths.stampFile), false);
    } finally {
        if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        for (const pid of await pids()) if (isRunning(pid)) process.kill(pid, "SIGKILL");
        await rm(dir, {recursive: true, force: true});
    }
}
