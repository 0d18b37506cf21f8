export type {DeviceShare, LoadingChoice, MemoryBreakdown, ModelPlan, Placement, PlanSubject, SpeedPrediction, SpeedSource, TimeToAnswer,
    Verdict} from "./types.js";
export {subjectVariant} from "./types.js";
export {planModel, planWeights, verdictFor, type PlanModelOptions, type PlanWeightsOptions, type PlanSettings} from "./planModel.js";
export {planAll, recommend, qualityScore, TABLE_QUANTS_DENSE, TABLE_QUANTS_MOE, type PlanAllOptions, type PlanAllResult,
    type PlanRecommendation} from "./planAll.js";
export {kvBytesPerTokenPerLayer, kvCacheBytes, KV_CACHE_TYPE_BYTES, KV_CACHE_TYPES, type KvCacheOptions, type KvCacheType} from "./kvCache.js";
export {computeBufferBytes} from "./computeBuffer.js";
export {modelWeights, groupWeights, ggmlName, type AmountsByType, type LayerWeights, type ModelWeights, type TypeAmount,
    type WeightTensor} from "./modelWeights.js";
export {loadCalibration, saveCalibration, effectiveEfficiency, machineFingerprint, CALIBRATION_FILE, type Calibration,
    type CalibrationEntry, type CalibrationIoOptions} from "./calibration.js";
export {calibrateFromMeasurement, type CalibrateFromMeasurementOptions} from "./calibrateFromMeasurement.js";
export {loadEngineProbe, saveEngineProbe, typeRates, ENGINE_PROBE_FILE, type BackendProbe, type EngineProbe, type TypeRates} from "./engineProbe.js";
export {probedWeightSeconds, probedPromptSeconds, fastestDecodeRate, attentionUnitsPerLayer, promptWidthFactor, secondsToAnswer} from "./speedModel.js";
export {chooseLoading, MMAP_SLOWDOWN_THRESHOLD, type ChooseLoadingOptions} from "./chooseLoading.js";
export {publishedReasoningLength, typicalReasoningLength, loadRecordedReasoningLengths, recordReasoningLength, REASONING_LENGTHS_FILE,
    type ReasoningLength, type RecordedReasoningLengths} from "./reasoningLength.js";
export {
    DEFAULT_EFFICIENCY, DEFAULT_CONTEXT_SIZE, defaultContextSize, DEFAULT_MICRO_BATCH, USABLE_TOKENS_PER_SECOND, SLOW_TOKENS_PER_SECOND,
    MIN_RUNNABLE_TOKENS_PER_SECOND, MEASURED_BANDWIDTH_EFFICIENCY, PCIE_BYTES_PER_SECOND, GPU_RESERVED_BYTES, MOE_LAYER_OVERHEAD_FACTOR, ramReservedBytes,
    type BackendEfficiency, type SpeedBackend
} from "./speedConstants.js";
export {serializePlan, serializeHardware, serializePlanReport} from "./serializePlan.js";
export {planGgufFile, modelWeightsFromGguf, architectureFromGguf, UnplannableGgufError, type PlanGgufFileOptions} from "./planGgufFile.js";
export {requiredEngine, cpuHasAmx, defaultExpertOffload, type PlanEngine, type RequiredEngine, type ExpertOffloadDefaultOptions} from "./requiredEngine.js";
export {planLaunchOptions, type PlanLaunchOptions} from "./llamaServerLaunch.js";
export * from "./cluster/index.js";
export {findSharedHostMemory, type SharedHostMemory, type ThisMachineMemory, type WorkerDeviceMemory} from "./sharedHostMemory.js";
export {localSplitTerms, planRpcSplit, shareLayers, RPC_ROUND_TRIPS_PER_SEGMENT, RPC_NETWORK_BYTES_PER_SECOND, type RpcSplit, type RpcSplitOptions, type SplitDevice, type SplitShare} from "./rpcSplit.js";
export {planRpcExpertSplit, rpcBufferName, expertTensorPattern, type ExpertPlacement, type RpcExpertSplit} from "./rpcExpertSplit.js";
