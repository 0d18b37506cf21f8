import {GgufError} from "./GgufError.js";

/** The file does not start with `GGUF`. */
export class GgufMagicError extends GgufError {
    /** The first four bytes found, as hex. */
    readonly found: string;

    constructor(found: Uint8Array) {
        const hex = [...found].map((b) => b.toString(16).padStart(2, "0")).join(" ");
        super("bad-magic", `not a GGUF file (starts with ${hex || "nothing"}, expected 47 47 55 46 "GGUF")`, 0,
            {hint: "Pass a .gguf model file."});
        this.found = hex;
    }
}
