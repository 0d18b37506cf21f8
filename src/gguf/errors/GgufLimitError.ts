import {GgufError} from "./GgufError.js";

/** A size in the header exceeds one of r1's named limits (`MAX_…` in `gguf/limits.ts`). */
export class GgufLimitError extends GgufError {
    /** Name of the limit, e.g. `"MAX_STRING_BYTES"`. */
    readonly limit: string;
    readonly value: number | bigint;
    readonly max: number;

    constructor(offset: number, limit: string, what: string, value: number | bigint, max: number) {
        super("limit", `GGUF ${what} at byte ${offset} is ${value}, over the limit of ${max} (${limit}); the file is corrupt`, offset);
        this.limit = limit;
        this.value = value;
        this.max = max;
    }
}
