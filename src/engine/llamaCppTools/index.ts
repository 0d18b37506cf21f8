export {LLAMA_CPP_RELEASE, nodeLlamaCppLlamaDir} from "./llamaCppRelease.js";
export {llamaCppPaths, type LlamaCppPaths, type LlamaCppPathsOptions} from "./llamaCppPaths.js";
export {findLlamaCppTools, findOnPath, installOf, type FindLlamaCppToolsOptions} from "./findLlamaCppTools.js";
export {parseLlamaCppVersion, isCompatibleVersion, formatLlamaCppVersion, type LlamaCppVersion} from "./parseLlamaCppVersion.js";
export {readToolVersion, TOOL_VERSION_TIMEOUT_MS} from "./readToolVersion.js";
export {readBuildStamp, type LlamaCppBuildStamp} from "./buildStamp.js";
export {ENGINE_BUILD_HINT, LlamaCppToolMissingError, LlamaCppToolUnusableError, requireLlamaCppTool} from "./errors.js";
export {LLAMA_CPP_BACKENDS, LLAMA_CPP_TOOL_NAMES, type FoundLlamaCppTools, type LlamaCppBackend, type LlamaCppInstall,
    type LlamaCppToolName, type LlamaCppToolOrigin} from "./types.js";
export {buildLlamaCppToolsIter, type BuildLlamaCppToolsOptions} from "./buildLlamaCppToolsIter.js";
export type {LlamaCppBuildEvent} from "./LlamaCppBuildEvent.js";
export {chooseBackend, type BackendChoice, type BuildMachine} from "./chooseBackend.js";
export {BUILD_TARGETS, cacheMatchesArgs, cmakeConfigureArgs, cmakeDefines, x86CompilerFlags, type CmakeArgsOptions} from "./cmakeArgs.js";
export {AMX_NO_DSE_FLAGS, AMX_OFF_FLAGS, AMX_PROBE_EXIT, amxCompilerFlags, amxRetryFlags, combineAmxProbes, cpuAdvertisesAmx, interpretAmxProbe, type AmxProbeOutcome, type AmxProbeResult} from "./amxProbeResult.js";
export {AMX_PROBE_SOURCE, probeAmx, type ProbeAmxOptions} from "./probeAmx.js";
export {parseBuildProgress, type BuildProgress} from "./parseBuildProgress.js";
export {missingPrerequisite, type BuildPrerequisites, type PackageManager} from "./checkBuildPrerequisites.js";
export {detectBuildMachine, type DetectedBuildMachine} from "./detectBuildMachine.js";
export {BuildPrerequisiteMissingError, LlamaCppBuildError} from "./buildErrors.js";
