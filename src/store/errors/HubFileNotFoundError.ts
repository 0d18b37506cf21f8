import {ExitCode, R1Error} from "../../util/R1Error.js";

/** MAX number of alternative GGUF files named in the one-line message. */
export const MAX_LISTED_ALTERNATIVES = 12;

/** 404 for a file (or its repository) on the hub, with the repo's GGUF files when the hub lists them. */
export class HubFileNotFoundError extends R1Error {
    readonly repo: string;
    readonly file: string;
    /** GGUF files the repository does have; empty when the hub did not list them. */
    readonly available: readonly string[];

    constructor(repo: string, file: string, available: readonly string[]) {
        const shown = available.slice(0, MAX_LISTED_ALTERNATIVES);
        const more = available.length > shown.length ? `, … (${available.length - shown.length} more)` : "";
        super(`${file} not found in ${repo} on the hub`, {
            exitCode: ExitCode.notFound,
            hint: available.length > 0
                ? `(the repo has: ${shown.join(", ")}${more})`
                : "check the repository and file name (they are case-sensitive)"
        });
        this.repo = repo;
        this.file = file;
        this.available = available;
    }
}
