import {ExitCode, R1Error} from "../../util/R1Error.js";

function gib(bytes: number): string {
    return `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 3 : 1)} GiB`;
}

/** Not enough free space for the download (checked before starting, or ENOSPC while writing). */
export class DiskFullError extends R1Error {
    readonly directory: string;
    /** Bytes still needed; `undefined` when the disk filled up mid-write. */
    readonly needed?: number;
    readonly available?: number;

    constructor(directory: string, needed?: number, available?: number) {
        super(needed !== undefined && available !== undefined
            ? `not enough disk space in ${directory}: need ${gib(needed)}, ${gib(available)} free`
            : `the disk filled up while writing to ${directory}`, {
            exitCode: ExitCode.diskFull,
            hint: "free some space or set R1_HOME to a bigger disk; the download resumes where it stopped"
        });
        this.directory = directory;
        if (needed !== undefined) this.needed = needed;
        if (available !== undefined) this.available = available;
    }
}
