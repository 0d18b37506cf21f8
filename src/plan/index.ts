export type {DeviceShare, MemoryBreakdown, ModelPlan, Placement, SpeedPrediction, Verdict} from "./types.js";
export {planModel, verdictFor, type PlanModelOptions} from "./planModel.js";
export {planAll, recommend, qualityScore, TABLE_QUANTS_DENSE, TABLE_QUANTS_MOE, type PlanAllOptions, type PlanAllResult,
    type PlanRecommendation} from "./planAll.js";
export {kvBytesPerTokenPerLayer, kvCacheBytes, KV_CACHE_TYPE_BYTES, type KvCacheOptions, type KvCacheType} from "./kvCache.js";
export {computeBufferBytes} from "./computeBuffer.js";
export {modelWeights, type LayerWeights, type ModelWeights} from "./modelWeights.js";
export {loadCalibration, saveCalibration, effectiveEfficiency, machineFingerprint, CALIBRATION_FILE, type Calibration,
    type CalibrationEntry, type CalibrationIoOptions} from "./calibration.js";
export {calibrateFromMeasurement, type CalibrateFromMeasurementOptions} from "./calibrateFromMeasurement.js";
export {
    DEFAULT_EFFICIENCY, DEFAULT_CONTEXT_SIZE, DEFAULT_MICRO_BATCH, USABLE_TOKENS_PER_SECOND, SLOW_TOKENS_PER_SECOND,
    MIN_RUNNABLE_TOKENS_PER_SECOND, MEASURED_BANDWIDTH_EFFICIENCY, PCIE_BYTES_PER_SECOND, GPU_RESERVED_BYTES, MOE_LAYER_OVERHEAD_FACTOR, ramReservedBytes,
    type BackendEfficiency, type SpeedBackend
} from "./speedConstants.js";
export {serializePlan, serializeHardware, serializePlanReport} from "./serializePlan.js";
export {planGgufFile, modelWeightsFromGguf, architectureFromGguf, UnplannableGgufError, type PlanGgufFileOptions} from "./planGgufFile.js";
export {requiredEngine, defaultExpertOffload, type PlanEngine, type RequiredEngine, type ExpertOffloadDefaultOptions} from "./requiredEngine.js";
export {planLaunchOptions, type PlanLaunchOptions} from "./llamaServerLaunch.js";
