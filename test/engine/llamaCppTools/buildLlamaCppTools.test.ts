import assert from "node:assert/strict";
import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {existsSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {AMX_NO_DSE_FLAGS, AMX_OFF_FLAGS, BuildPrerequisiteMissingError, buildLlamaCppToolsIter, cacheMatchesArgs, chooseBackend, cmakeConfigureArgs, findLlamaCppTools,
    LLAMA_CPP_RELEASE, llamaCppPaths, LlamaCppBuildError, missingPrerequisite, parseBuildProgress, x86CompilerFlags,
    type AmxProbeResult, type DetectedBuildMachine, type LlamaCppBuildEvent} from "../../../src/engine/llamaCppTools/index.js";

test("chooseBackend: CUDA with nvcc and a driver, Metal on Apple Silicon, Vulkan with its SDK, else CPU", () => {
    const linux = {platform: "linux" as const, arch: "x64", vulkanSdk: false};
    assert.equal(chooseBackend({...linux, nvcc: "/usr/local/cuda/bin/nvcc", nvidiaDriver: true}).backend, "cuda");
    assert.deepEqual(chooseBackend({...linux, nvcc: "/usr/local/bin/nvcc", nvidiaDriver: false}),
        {backend: "cpu", reason: "nvcc at /usr/local/bin/nvcc but no NVIDIA driver is loaded (use --backend cuda to build for it anyway)"});
    assert.equal(chooseBackend({...linux, nvcc: "/usr/local/bin/nvcc", nvidiaDriver: false, vulkanSdk: true}).backend, "vulkan");
    assert.equal(chooseBackend({platform: "win32", arch: "x64", nvcc: "C:/cuda/nvcc.exe", vulkanSdk: false}).backend, "cuda");
    assert.equal(chooseBackend({platform: "darwin", arch: "arm64", vulkanSdk: false}).backend, "metal");
    assert.equal(chooseBackend({platform: "darwin", arch: "x64", vulkanSdk: false}).backend, "cpu");
    assert.equal(chooseBackend({...linux, vulkanSdk: true}).backend, "vulkan");
    assert.equal(chooseBackend(linux).backend, "cpu");
});

test("cmakeConfigureArgs: the CPU build's defines, exactly (the compiler flags x86-64 Linux adds aside)", () => {
    assert.deepEqual(cmakeConfigureArgs({backend: "cpu", ninja: true}), [
        "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF", "-DGGML_RPC=ON", "-DGGML_NATIVE=ON", "-DGGML_CUDA=OFF",
        "-DLLAMA_OPENSSL=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_TOOLS=ON", "-DLLAMA_BUILD_SERVER=ON",
        "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF", "-DLLAMA_BUILD_APP=OFF"
    ]);
    const cuda = cmakeConfigureArgs({backend: "cuda", ninja: false});
    assert.equal(cuda.includes("-G"), false);
    assert.ok(cuda.includes("-DGGML_CUDA=ON") && !cuda.includes("-DGGML_CUDA=OFF"));
    assert.ok(cmakeConfigureArgs({backend: "metal", ninja: true}).includes("-DGGML_METAL=ON"));
    assert.ok(cmakeConfigureArgs({backend: "vulkan", ninja: true}).includes("-DGGML_VULKAN=ON"));
});

test("cacheMatchesArgs: a build folder configured with the same options is reused, any difference reconfigures", () => {
    const args = cmakeConfigureArgs({backend: "cpu", ninja: true});
    const cache = (overrides: Record<string, string> = {}) => Object.entries({
        CMAKE_HOME_DIRECTORY: "INTERNAL=/src", CMAKE_GENERATOR: "INTERNAL=Ninja", CMAKE_BUILD_TYPE: "STRING=Release", BUILD_SHARED_LIBS: "BOOL=OFF",
        GGML_RPC: "BOOL=ON", GGML_NATIVE: "BOOL=ON", GGML_CUDA: "BOOL=OFF", LLAMA_OPENSSL: "BOOL=OFF", LLAMA_BUILD_TESTS: "BOOL=OFF",
        LLAMA_BUILD_EXAMPLES: "BOOL=OFF", LLAMA_BUILD_TOOLS: "BOOL=ON", LLAMA_BUILD_SERVER: "BOOL=ON", LLAMA_BUILD_UI: "BOOL=OFF",
        LLAMA_USE_PREBUILT_UI: "BOOL=OFF", LLAMA_BUILD_APP: "BOOL=OFF", ...overrides
    }).map(([key, value]) => `${key}:${value}`).join("\n");
    assert.equal(cacheMatchesArgs(`# comment\n${cache()}\n`, args, "/src"), true);
    assert.equal(cacheMatchesArgs(cache({GGML_RPC: "BOOL=OFF"}), args, "/src"), false);
    assert.equal(cacheMatchesArgs(cache({CMAKE_GENERATOR: "INTERNAL=Unix Makefiles"}), args, "/src"), false);
    assert.equal(cacheMatchesArgs(cache(), args, "/other-src"), false);
});

test("parseBuildProgress: Ninja's [n/N] and Make's [ p%] lines, nothing else", () => {
    assert.deepEqual(parseBuildProgress("[12/337] Building CXX object ggml/src/CMakeFiles/ggml-base.dir/ggml.cpp.o"),
        {done: 12, total: 337, step: "Building CXX object ggml/src/CMakeFiles/ggml-base.dir/ggml.cpp.o"});
    assert.deepEqual(parseBuildProgress("[  7%] Linking CXX static library libggml.a"), {done: 7, total: 100, step: "Linking CXX static library libggml.a"});
    assert.deepEqual(parseBuildProgress("[100%] Built target llama-server"), {done: 100, total: 100, step: "Built target llama-server"});
    assert.equal(parseBuildProgress("/src/ggml.c:12:3: warning: unused [-Wunused]"), undefined);
    assert.equal(parseBuildProgress("[0/0] nothing"), undefined);
    assert.equal(parseBuildProgress("ninja: no work to do."), undefined);
});

test("missingPrerequisite: one line naming what is missing and the command that installs it", () => {
    const all = {platform: "linux" as const, packageManager: "apt" as const, cmake: "/usr/bin/cmake", cxx: "/usr/bin/c++", git: "/usr/bin/git", vulkanSdk: false};
    assert.equal(missingPrerequisite(all, "cpu", true), undefined);
    const check = (error: BuildPrerequisiteMissingError | undefined, message: string, hint: RegExp) => {
        assert.ok(error instanceof BuildPrerequisiteMissingError);
        assert.equal(error.message, message);
        assert.match(error.hint!, hint);
    };
    check(missingPrerequisite({...all, cmake: undefined}, "cpu", false), "r1 engine build needs cmake, which is not installed", /sudo apt-get install cmake/);
    check(missingPrerequisite({...all, cmake: undefined, packageManager: "brew"}, "cpu", false), "r1 engine build needs cmake, which is not installed", /brew install cmake/);
    check(missingPrerequisite({...all, cxx: undefined}, "cpu", false), "r1 engine build needs a C++ compiler (c++, g++ or clang++), which is not installed", /apt-get install g\+\+/);
    check(missingPrerequisite({...all, cxx: undefined, packageManager: "brew"}, "cpu", false), "r1 engine build needs a C++ compiler (c++, g++ or clang++), which is not installed", /xcode-select --install/);
    assert.equal(missingPrerequisite({...all, git: undefined}, "cpu", false), undefined);
    check(missingPrerequisite({...all, git: undefined}, "cpu", true), "r1 engine build needs git (to unpack node-llama-cpp's llama.cpp sources), which is not installed", /apt-get install git/);
    check(missingPrerequisite(all, "cuda", false), "r1 engine build needs the CUDA toolkit (nvcc), which is not installed", /nvidia-cuda-toolkit.*--backend cpu/);
    check(missingPrerequisite({...all, packageManager: undefined}, "vulkan", false), "r1 engine build needs the Vulkan SDK (headers, loader and glslc), which is not installed", /VULKAN_SDK.*--backend cpu/);
});

/**
 * A stand-in for cmake: configure writes a CMakeCache.txt from its -D arguments, --build prints
 * Ninja progress and writes the three binaries (or fails like a compiler when FAIL is set).
 */
const FAKE_CMAKE = `#!/bin/sh
echo "$0 $*" >> "$(dirname "$0")/calls"
if [ "$1" = "-S" ]; then
  src="$2"; build="$4"; shift 4
  mkdir -p "$build"
  { echo "CMAKE_HOME_DIRECTORY:INTERNAL=$src"; echo "CMAKE_GENERATOR:INTERNAL=Ninja"
    for a in "$@"; do case "$a" in -D*) kv="\${a#-D}"; echo "\${kv%%=*}:STRING=\${kv#*=}";; esac; done; } > "$build/CMakeCache.txt"
  echo "-- Configuring done"
  exit 0
fi
build="$2"
if [ -f "$(dirname "$0")/fail" ]; then echo "[1/3] Building CXX object ggml.o"; echo "ggml.c:1:1: error: no space left" >&2; echo "ninja: build stopped: subcommand failed."; exit 1; fi
mkdir -p "$build/bin"
echo "[1/3] Building CXX object ggml.o"
echo "warning: something"
echo "[2/3] Linking CXX executable bin/llama-server"
for t in llama-server ggml-rpc-server llama-imatrix; do printf '#!/bin/sh\\necho "version: ${LLAMA_CPP_RELEASE.slice(1)}-dev (build 1, commit 80fb11a)" >&2\\n' > "$build/bin/$t"; chmod +x "$build/bin/$t"; done
echo "[3/3] Linking CXX executable bin/ggml-rpc-server"
`;

async function collect(iter: AsyncGenerator<LlamaCppBuildEvent>): Promise<LlamaCppBuildEvent[]> {
    const events: LlamaCppBuildEvent[] = [];
    for await (const event of iter) events.push(event);
    return events;
}

test("buildLlamaCppToolsIter: configure, compile with progress, install and stamp; then resume and up to date", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-build-"));
    try {
        const tools = path.join(dir, "tools");
        await mkdir(tools);
        await writeFile(path.join(tools, "cmake"), FAKE_CMAKE);
        await chmod(path.join(tools, "cmake"), 0o755);
        const home = path.join(dir, "home");
        const paths = llamaCppPaths({r1Home: home, backend: "cpu"});
        // The sources are already unpacked (as on this machine): no git clone.
        await mkdir(paths.sourceDir, {recursive: true});
        await writeFile(path.join(paths.sourceDir, "CMakeLists.txt"), "");
        const machine: DetectedBuildMachine = {platform: "linux", arch: "x64", packageManager: "apt", cmake: path.join(tools, "cmake"),
            cxx: "/usr/bin/c++", ninja: "/usr/bin/ninja", vulkanSdk: false};
        // As on this project's VM: the CPU advertises AMX, the compiled tile code dies of SIGILL.
        const amx: AmxProbeResult = {state: "unusable", detail: "AMX tile code dies of SIGILL"};
        const withoutAmx = cmakeConfigureArgs({backend: "cpu", ninja: true, compilerFlags: x86CompilerFlags(machine, AMX_OFF_FLAGS)});

        // A failing compile: one line with the compiler's error, the build folder kept.
        await writeFile(path.join(tools, "fail"), "");
        await assert.rejects(collect(buildLlamaCppToolsIter({r1Home: home, machine, jobs: 2, amx})), (error: unknown) => {
            assert.ok(error instanceof LlamaCppBuildError);
            assert.equal(error.message, "llama.cpp compile failed: ggml.c:1:1: error: no space left (exit code 1)");
            assert.equal(error.logFile, `${paths.buildDir}.log`);
            return true;
        });
        assert.ok(existsSync(path.join(paths.buildDir, "CMakeCache.txt")));
        assert.equal((await findLlamaCppTools({r1Home: home, searchPath: false})).installs.length, 0);
        await rm(path.join(tools, "fail"));

        // Resumed: the configured build folder is reused (no second configure).
        const events = await collect(buildLlamaCppToolsIter({r1Home: home, machine, jobs: 2, amx}));
        assert.deepEqual(events.map((event) => event.type), ["start", "configure", "compile", "compile", "compile", "install", "done"]);
        assert.deepEqual(events[1], {type: "configure", skipped: true});
        assert.deepEqual(events.filter((event) => event.type === "compile").map((event) => event.type === "compile" && [event.done, event.total]), [[1, 3], [2, 3], [3, 3]]);
        const calls = (await readFile(path.join(tools, "calls"), "utf8")).trim().split("\n");
        assert.equal(calls.length, 3); // configure, failed build, build
        assert.match(calls[0]!, new RegExp(`-S ${paths.sourceDir} -B ${paths.buildDir} -G Ninja -DCMAKE_BUILD_TYPE=Release`));
        assert.ok(calls[0]!.includes(" -DCMAKE_C_FLAGS=") && calls[0]!.endsWith("-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"), calls[0]);
        assert.deepEqual(events[0]?.type === "start" && events[0].amx, amx);
        assert.match(calls[2]!, /--build .* --target llama-server ggml-rpc-server llama-imatrix -j 2$/);

        const found = await findLlamaCppTools({r1Home: home, searchPath: false});
        assert.equal(found.paths["llama-server"], path.join(paths.binDir, "llama-server"));
        const stamp = JSON.parse(await readFile(paths.stampFile, "utf8"));
        assert.equal(stamp.release, LLAMA_CPP_RELEASE);
        assert.deepEqual(stamp.cmakeArgs, withoutAmx);
        assert.equal(stamp.amx, "unusable");

        // A second run recognises the stamp and does not call cmake.
        const again = await collect(buildLlamaCppToolsIter({r1Home: home, machine, amx}));
        assert.deepEqual(again.map((event) => event.type), ["start", "up-to-date", "done"]);
        assert.equal((await readFile(path.join(tools, "calls"), "utf8")).trim().split("\n").length, 3);

        // AMX usable (a fixed compiler): other flags, so the install is rebuilt and the folder configured again with them emptied.
        const usable = await collect(buildLlamaCppToolsIter({r1Home: home, machine, amx: {state: "usable", detail: "AMX tiles work"}}));
        assert.deepEqual(usable.slice(0, 2).map((event) => event.type), ["start", "configure"]);
        assert.deepEqual(usable[1], {type: "configure", skipped: false});
        const reconfigure = (await readFile(path.join(tools, "calls"), "utf8")).trim().split("\n")[3]!;
        assert.ok(reconfigure.endsWith(cmakeConfigureArgs({backend: "cpu", ninja: true, compilerFlags: x86CompilerFlags(machine, [])}).join(" ")), reconfigure);
        assert.equal(JSON.parse(await readFile(paths.stampFile, "utf8")).amx, "usable");

        // AMX usable only with -fno-dse (GCC 12): another build once, with -fno-dse in the C and C++ flags, then up to date.
        const noDse: AmxProbeResult = {state: "usable", detail: "AMX tiles work with -fno-dse", compilerFlags: AMX_NO_DSE_FLAGS};
        const kept = await collect(buildLlamaCppToolsIter({r1Home: home, machine, amx: noDse}));
        assert.deepEqual(kept[1], {type: "configure", skipped: false});
        const withNoDse = cmakeConfigureArgs({backend: "cpu", ninja: true, compilerFlags: x86CompilerFlags(machine, AMX_NO_DSE_FLAGS)});
        assert.ok(withNoDse.includes("-DCMAKE_C_FLAGS=-fno-dse") && withNoDse.includes("-DCMAKE_CXX_FLAGS=-fno-dse"), withNoDse.join(" "));
        const keptCalls = (await readFile(path.join(tools, "calls"), "utf8")).trim().split("\n");
        assert.ok(keptCalls[5]!.endsWith(withNoDse.join(" ")), keptCalls[5]);
        const keptStamp = JSON.parse(await readFile(paths.stampFile, "utf8"));
        assert.deepEqual([keptStamp.amx, keptStamp.cmakeArgs], ["usable", withNoDse]);
        assert.deepEqual((await collect(buildLlamaCppToolsIter({r1Home: home, machine, amx: noDse}))).map((event) => event.type), ["start", "up-to-date", "done"]);

        // Without cmake: a one-line error before anything runs.
        await assert.rejects(collect(buildLlamaCppToolsIter({r1Home: path.join(dir, "home2"), machine: {...machine, cmake: undefined}, amx})),
            /r1 engine build needs cmake/);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
