import {resolveModelName} from "../catalog/index.js";
import {DEFAULT_CONTEXT_SIZE} from "../engine/loadLimits.js";
import {detectHardware, type HardwareProfile} from "../hardware/index.js";
import {loadCalibration, loadEngineProbe, planAll, planModel, type Calibration, type EngineProbe} from "../plan/index.js";
import {toWebPlan} from "./toWebPlan.js";
import type {WebModel, WebPlanResponse} from "./webApiTypes.js";

/** What the planner knows of this machine. */
interface Machine {
    hardware: HardwareProfile;
    calibration?: Calibration;
    probe?: EngineProbe;
}

/** How long a hardware detection is reused (ms): free memory changes, the machine does not. */
export const WEB_HARDWARE_CACHE_MS = 60_000;


export interface WebPlannerOptions {
    /** Defaults to `detectHardware()` of this machine. */
    detectHardware?: () => Promise<HardwareProfile>;
    /** Defaults to the calibration `r1 bench` saved for this machine, if any. */
    loadCalibration?: (hardware: HardwareProfile) => Promise<Calibration | undefined>;
    /** Defaults to the engine probe `r1 hw --probe` saved for this machine, if any. */
    loadEngineProbe?: (hardware: HardwareProfile) => Promise<EngineProbe | undefined>;
    /** Defaults to `DEFAULT_CONTEXT_SIZE` (8192): the context `r1 serve` loads a model with. */
    contextSize?: number;
    /** Clock for the hardware cache. Defaults to `Date.now`. */
    now?: () => number;
}

/**
 * The planner as the web page sees it: the plan table for this machine, and verdicts for the
 * served models that are R1 catalog variants. Hardware is detected at most once a minute.
 */
export class WebPlanner {
    private readonly options: WebPlannerOptions;
    private cached?: {at: number, machine: Promise<Machine>};

    constructor(options: WebPlannerOptions = {}) {
        this.options = options;
    }

    private machine(): Promise<Machine> {
        const now = (this.options.now ?? Date.now)();
        if (this.cached === undefined || now - this.cached.at > WEB_HARDWARE_CACHE_MS) {
            const machine = (async () => {
                const hardware = await (this.options.detectHardware ?? detectHardware)();
                const calibration = await (this.options.loadCalibration ?? ((hw) => loadCalibration(hw)))(hardware);
                const probe = await (this.options.loadEngineProbe ?? ((hw) => loadEngineProbe(hw)))(hardware);
                return {hardware, ...(calibration === undefined ? {} : {calibration}), ...(probe === undefined ? {} : {probe})};
            })();
            // A failed detection is not cached: the next request tries again.
            machine.catch(() => {
                if (this.cached?.machine === machine) this.cached = undefined;
            });
            this.cached = {at: now, machine};
        }
        return this.cached.machine;
    }

    async plan(): Promise<WebPlanResponse> {
        const {hardware, calibration, probe} = await this.machine();
        const contextSize = this.options.contextSize ?? DEFAULT_CONTEXT_SIZE;
        return toWebPlan(hardware, planAll({hardware, contextSize, ...(calibration === undefined ? {} : {calibration}), ...(probe === undefined ? {} : {probe})}), contextSize);
    }

    /** Adds the planner's verdict and predicted speed to each model whose name is a catalog variant; others pass unchanged. */
    async annotate(models: readonly WebModel[]): Promise<WebModel[]> {
        const {hardware, calibration, probe} = await this.machine();
        return models.map((model) => {
            if (model.verdict !== undefined) return model;
            let resolved;
            try {
                resolved = resolveModelName(model.id);
            } catch {
                return model; // not one of the family (a local file, a hub GGUF): nothing to predict from
            }
            const plan = planModel({variant: resolved.variant, quant: resolved.quant, hardware,
                contextSize: this.options.contextSize ?? DEFAULT_CONTEXT_SIZE, ...(calibration === undefined ? {} : {calibration}),
                ...(probe === undefined ? {} : {probe})});
            return {...model, variant: plan.model, quant: plan.quant, verdict: plan.verdict,
                ...(!plan.fits ? {} : {generationTokensPerSecond: plan.predicted.generationTokensPerSecond})};
        });
    }
}
