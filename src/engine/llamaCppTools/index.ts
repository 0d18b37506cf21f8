export {LLAMA_CPP_RELEASE, nodeLlamaCppLlamaDir} from "./llamaCppRelease.js";
export {llamaCppPaths, type LlamaCppPaths, type LlamaCppPathsOptions} from "./llamaCppPaths.js";
export {findLlamaCppTools, findOnPath, type FindLlamaCppToolsOptions} from "./findLlamaCppTools.js";
export {parseLlamaCppVersion, isCompatibleVersion, formatLlamaCppVersion, type LlamaCppVersion} from "./parseLlamaCppVersion.js";
export {readToolVersion, TOOL_VERSION_TIMEOUT_MS} from "./readToolVersion.js";
export {readBuildStamp, type LlamaCppBuildStamp} from "./buildStamp.js";
export {ENGINE_BUILD_HINT, LlamaCppToolMissingError, LlamaCppToolUnusableError, requireLlamaCppTool} from "./errors.js";
export {LLAMA_CPP_BACKENDS, LLAMA_CPP_TOOL_NAMES, type FoundLlamaCppTools, type LlamaCppBackend, type LlamaCppInstall,
    type LlamaCppToolName, type LlamaCppToolOrigin} from "./types.js";
