import {r1HomeDir} from "../../src/hardware/index.js";
import {findLlamaCppTools, LLAMA_CPP_RELEASE, type LlamaCppToolName} from "../../src/engine/llamaCppTools/index.js";

/**
 * llama.cpp's tools for tests, found once per test file the way r1 finds them: the build of
 * `r1 engine build` under `R1_HOME` (`~/.r1`; CI builds it before the tests), else a compatible
 * llama-server on PATH.
 */
export const foundLlamaCppTools = await findLlamaCppTools({r1Home: r1HomeDir()});

/** `false` when every named tool is available, otherwise a skip reason for `test(name, {skip}, fn)`. */
export function skipWithoutLlamaCppTools(...names: LlamaCppToolName[]): false | string {
    const missing = names.filter((name) => foundLlamaCppTools.paths[name] === undefined);
    if (missing.length === 0) return false;
    return `needs ${missing.join(", ")} of llama.cpp ${LLAMA_CPP_RELEASE} (not built: run \`r1 engine build\`, as .ci/run does)`;
}

/** Path of a tool; only for tests skipped with `skipWithoutLlamaCppTools` when it is missing. */
export function llamaCppToolPath(name: LlamaCppToolName): string {
    const found = foundLlamaCppTools.paths[name];
    if (found === undefined) throw new Error(`${name} is not available: ${skipWithoutLlamaCppTools(name)}`);
    return found;
}
