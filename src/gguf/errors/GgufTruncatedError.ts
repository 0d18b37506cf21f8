import {GgufError} from "./GgufError.js";

/** The file ends before a field, string, array or tensor that the header says is there. */
export class GgufTruncatedError extends GgufError {
    /** Byte position the file would have to reach. */
    readonly neededEnd: number;
    readonly fileSize: number;

    constructor(offset: number, neededEnd: number, fileSize: number, what: string) {
        super("truncated", `GGUF file is truncated: ${what} at byte ${offset} needs ${neededEnd} bytes, the file has ${fileSize}`, offset,
            {hint: "The download may be incomplete; fetch the file again."});
        this.neededEnd = neededEnd;
        this.fileSize = fileSize;
    }
}
