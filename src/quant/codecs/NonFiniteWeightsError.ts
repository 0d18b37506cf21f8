import {ExitCode, R1Error} from "../../util/R1Error.js";

/**
 * The IQ grid search met NaN or infinite weights, for which no grid point is nearest (ggml
 * aborts there). Only a corrupt model holds such weights.
 */
export class NonFiniteWeightsError extends R1Error {
    constructor() {
        super("the model holds non-finite weights (NaN or infinity), which the IQ quantizers cannot place on their grid",
            {exitCode: ExitCode.badFile, hint: "quantize from an intact F16/BF16 file, or choose a K-quant type"});
    }
}
