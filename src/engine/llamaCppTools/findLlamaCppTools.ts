import {constants} from "node:fs";
import {access, readdir, realpath, stat} from "node:fs/promises";
import path from "node:path";
import {readBuildStamp} from "./buildStamp.js";
import {llamaCppPaths} from "./llamaCppPaths.js";
import {LLAMA_CPP_RELEASE} from "./llamaCppRelease.js";
import {formatLlamaCppVersion, isCompatibleVersion} from "./parseLlamaCppVersion.js";
import {readToolVersion} from "./readToolVersion.js";
import {LLAMA_CPP_BACKENDS, LLAMA_CPP_TOOL_NAMES, type FoundLlamaCppTools, type LlamaCppBackend, type LlamaCppInstall,
    type LlamaCppToolName} from "./types.js";

export interface FindLlamaCppToolsOptions {
    /** Defaults to `R1_HOME` (`~/.r1`). */
    readonly r1Home?: string;
    /** A llama-server binary the user named (`--llama-server PATH`); its folder's other tools come with it. */
    readonly llamaServerPath?: string;
    /** Look for a llama-server on `PATH`. Defaults to `true`. */
    readonly searchPath?: boolean;
    /** Environment whose `PATH` is searched. Defaults to `process.env`. */
    readonly env?: NodeJS.ProcessEnv;
    /** The release that counts as compatible. Defaults to `LLAMA_CPP_RELEASE`. */
    readonly release?: string;
}

const BUILD_DIR_NAME = new RegExp(`^(.+)-(${LLAMA_CPP_BACKENDS.join("|")})$`);

/**
 * Which of llama.cpp's tools (llama-server, ggml-rpc-server, llama-imatrix) r1 can use, and from
 * where: a given llama-server, the builds of `r1 engine build` under `<R1_HOME>/llama.cpp/`, and a
 * llama-server on PATH (its `--version` checked). Nothing is built or downloaded here.
 */
export async function findLlamaCppTools(options: FindLlamaCppToolsOptions = {}): Promise<FoundLlamaCppTools> {
    const release = options.release ?? LLAMA_CPP_RELEASE;
    const installs: LlamaCppInstall[] = [];
    if (options.llamaServerPath !== undefined) installs.push(await givenInstall(path.resolve(options.llamaServerPath), release));
    const built = await builtInstalls(options.r1Home, release);
    installs.push(...built);
    if (options.searchPath ?? true) {
        const onPath = await findOnPath("llama-server", (options.env ?? process.env).PATH ?? "");
        // A PATH entry that is one of r1's own builds is already listed.
        const builtServers = await Promise.all(built.map(async (install) => install.tools["llama-server"] === undefined
            ? undefined : realpath(install.tools["llama-server"]).catch(() => undefined)));
        if (onPath !== undefined && !builtServers.includes(await realpath(onPath).catch(() => onPath)))
            installs.push(await versionedInstall("path", onPath, release));
    }
    const paths: Partial<Record<LlamaCppToolName, string>> = {};
    for (const name of LLAMA_CPP_TOOL_NAMES)
        paths[name] = installs.find((install) => install.compatible && install.tools[name] !== undefined)?.tools[name];
    for (const name of LLAMA_CPP_TOOL_NAMES) if (paths[name] === undefined) delete paths[name];
    return {installs, paths};
}

/** The install `binary` (a path `findLlamaCppTools` gave for `tool`) comes from: its backend and AMX probe result when r1 built it. */
export function installOf(found: FoundLlamaCppTools, tool: LlamaCppToolName, binary: string): LlamaCppInstall | undefined {
    return found.installs.find((install) => install.tools[tool] === binary);
}

async function givenInstall(binary: string, release: string): Promise<LlamaCppInstall> {
    if (!await isExecutableFile(binary))
        return {origin: "given", dir: path.dirname(binary), compatible: false, problem: "does not exist or is not an executable file",
            tools: {"llama-server": binary}};
    return versionedInstall("given", binary, release);
}

/** An install around a llama-server binary that is not r1's own: its version decides. */
async function versionedInstall(origin: "given" | "path", binary: string, release: string): Promise<LlamaCppInstall> {
    const dir = path.dirname(binary);
    const tools = await toolsIn(dir);
    tools["llama-server"] = binary;
    const result = await readToolVersion(binary);
    if ("problem" in result) return {origin, dir, compatible: false, problem: result.problem, tools};
    const version = formatLlamaCppVersion(result.version);
    if (!isCompatibleVersion(result.version, release))
        return {origin, dir, version, compatible: false, problem: `is llama.cpp ${version}, not ${release} (the release r1's embedded engine runs)`, tools};
    return {origin, dir, version, compatible: true, tools};
}

async function builtInstalls(r1Home: string | undefined, release: string): Promise<LlamaCppInstall[]> {
    const root = llamaCppPaths({r1Home, backend: "cpu"}).root;
    let names: string[];
    try {
        names = await readdir(root);
    } catch {
        return [];
    }
    const installs: LlamaCppInstall[] = [];
    for (const name of names) {
        const match = BUILD_DIR_NAME.exec(name);
        if (match === null) continue;
        const paths = llamaCppPaths({r1Home, release: match[1], backend: match[2] as LlamaCppBackend});
        const stamp = await readBuildStamp(paths.stampFile);
        if (stamp === undefined) continue; // an install that never finished
        const tools = await toolsIn(paths.binDir);
        const compatible = stamp.release === release;
        installs.push({
            origin: "built", dir: paths.binDir, backend: stamp.backend, version: stamp.release, compatible, tools,
            ...stamp.amx === undefined ? {} : {amx: stamp.amx},
            ...compatible ? {} : {problem: `is llama.cpp ${stamp.release}, not ${release} (rebuild with \`r1 engine build\`)`}
        });
    }
    // Faster backends first, and the compatible release before stale ones.
    return installs.sort((a, b) => Number(b.compatible) - Number(a.compatible)
        || LLAMA_CPP_BACKENDS.indexOf(a.backend!) - LLAMA_CPP_BACKENDS.indexOf(b.backend!));
}

async function toolsIn(dir: string): Promise<Partial<Record<LlamaCppToolName, string>>> {
    const tools: Partial<Record<LlamaCppToolName, string>> = {};
    for (const name of LLAMA_CPP_TOOL_NAMES) {
        const file = path.join(dir, name);
        if (await isExecutableFile(file)) tools[name] = file;
    }
    return tools;
}

/** The first executable `name` in the `PATH` list, as a shell would find it. */
export async function findOnPath(name: string, pathList: string): Promise<string | undefined> {
    for (const dir of pathList.split(path.delimiter)) {
        if (dir === "") continue;
        const file = path.resolve(dir, name);
        if (await isExecutableFile(file)) return file;
    }
    return undefined;
}

async function isExecutableFile(file: string): Promise<boolean> {
    try {
        if (!(await stat(file)).isFile()) return false;
        await access(file, constants.X_OK);
        return true;
    } catch {
        return false;
    }
}
