/**
 * Base class of every error a user may see. The CLI prints `message` as one line (with `hint`
 * after it when present) and exits with `exitCode`; anything that is not an R1Error is a bug.
 */
export class R1Error extends Error {
    /** Process exit code the CLI uses for this error. Defaults to `1`. */
    readonly exitCode: number;
    /** What the user can do about it, appended to the one-line message. */
    readonly hint?: string;

    constructor(message: string, options: {exitCode?: number, hint?: string, cause?: unknown} = {}) {
        super(message, options.cause === undefined ? undefined : {cause: options.cause});
        this.name = new.target.name;
        this.exitCode = options.exitCode ?? 1;
        if (options.hint !== undefined) this.hint = options.hint;
    }
}

/** Exit codes shared by all commands. */
export const ExitCode = {
    ok: 0,
    failure: 1,
    usage: 2,
    notFound: 3,
    badFile: 4,
    network: 5,
    diskFull: 6,
    interrupted: 130
} as const;
