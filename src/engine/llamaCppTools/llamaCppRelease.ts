import {readFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";

/**
 * `node_modules/node-llama-cpp/llama/`: the llama.cpp sources node-llama-cpp ships
 * (`gitRelease.bundle`, `llama.cpp.info.json`). Found through the package's own entry point so a
 * hoisted or linked node_modules works too.
 */
export function nodeLlamaCppLlamaDir(): string {
    const entry = fileURLToPath(import.meta.resolve("node-llama-cpp"));
    // The entry point is `<package>/dist/index.js`.
    return path.join(path.dirname(entry), "..", "llama");
}

function readRelease(): string {
    const info = JSON.parse(readFileSync(path.join(nodeLlamaCppLlamaDir(), "llama.cpp.info.json"), "utf8")) as {tag?: unknown};
    if (typeof info.tag !== "string" || !/^[\w.-]+$/.test(info.tag))
        throw new Error("node-llama-cpp's llama.cpp.info.json has no usable tag");
    return info.tag;
}

/**
 * The llama.cpp release node-llama-cpp bundles (e.g. `v0.4.0`): the embedded engine runs it, and
 * `r1 engine build` compiles llama.cpp's own tools from the same sources, so both engines agree.
 */
export const LLAMA_CPP_RELEASE: string = readRelease();
