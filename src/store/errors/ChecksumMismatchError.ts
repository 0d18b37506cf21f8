import {ExitCode, R1Error} from "../../util/R1Error.js";

/** The downloaded bytes do not hash (or size) to what the hub says; the partial file has been deleted. */
export class ChecksumMismatchError extends R1Error {
    readonly file: string;
    readonly what: "sha256" | "size";
    readonly expected: string;
    readonly actual: string;

    constructor(file: string, what: "sha256" | "size", expected: string, actual: string) {
        super(`${file} is corrupt: ${what} ${actual} does not match the expected ${expected}; deleted the partial download`, {
            exitCode: ExitCode.badFile,
            hint: "run the same command again to download it afresh"
        });
        this.file = file;
        this.what = what;
        this.expected = expected;
        this.actual = actual;
    }
}
