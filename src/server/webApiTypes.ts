/**
 * The JSON of the web page's own routes (`/ui/api/*`), shared by the server that builds it and the
 * page that reads it (web/src imports these types; they hold no code).
 */

/** The planner's verdict for one model on this machine. */
export type WebVerdict = "usable" | "slow" | "technically-runs" | "too-slow" | "does-not-fit";

/** One model the page can pick, with what the planner predicts for it here. */
export interface WebModel {
    /** The name `/v1/chat/completions` accepts. */
    id: string;
    /** Catalog variant id, when the model is one of the family. */
    variant?: string;
    quant?: string;
    sizeBytes?: number;
    verdict?: WebVerdict;
    /** Predicted generation speed on this machine. */
    generationTokensPerSecond?: number;
}

export interface WebModelsResponse {
    models: WebModel[];
}

/** One line of the hardware summary ("GPU 0", "NVIDIA RTX 4090, 24 GiB"). */
export interface WebHardwareItem {
    label: string;
    value: string;
}

/** One variant × quantization of `r1 plan`. */
export interface WebPlanRow {
    model: string;
    quant: string;
    placement: string;
    gpuLayers?: number;
    totalBytes?: number;
    generationTokensPerSecond?: number;
    promptTokensPerSecond?: number;
    verdict: WebVerdict;
}

export interface WebPlanResponse {
    hardware: WebHardwareItem[];
    rows: WebPlanRow[];
    /** Context size the plan assumed. */
    contextSize?: number;
    /** The planner's one-line recommendation. */
    recommendation?: string;
    /** What detection could not find or assumed ("RAM bandwidth assumed …"). */
    notes?: string[];
}
