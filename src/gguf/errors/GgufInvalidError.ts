import {GgufError} from "./GgufError.js";

/**
 * A structurally invalid header: bad alignment, empty key, bad dimensions, a tensor whose data
 * lies outside the file or is misaligned, a metadata value of the wrong type, inconsistent splits.
 */
export class GgufInvalidError extends GgufError {
    constructor(offset: number, reason: string, message: string, options: {hint?: string} = {}) {
        super(reason, message, offset, options);
    }
}
