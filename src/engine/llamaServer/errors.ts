import {ExitCode, R1Error} from "../../util/R1Error.js";

/** llama-server did not become ready: it exited, did not bind its port, or did not load in time. */
export class LlamaServerStartError extends R1Error {
    readonly binary: string;
    /** The last lines llama-server logged, oldest first. */
    readonly logTail: readonly string[];
    /** The signal that ended the process before it was ready, if one did. */
    readonly exitSignal?: NodeJS.Signals;

    constructor(binary: string, reason: string, logTail: readonly string[], options: {hint?: string, exitCode?: number, exitSignal?: NodeJS.Signals} = {}) {
        super(`llama-server ${reason}`, {
            exitCode: options.exitCode ?? ExitCode.badFile,
            hint: options.hint ?? "run with R1_DEBUG=1 to see llama-server's whole log; `r1 engine ls` shows which llama-server r1 uses"
        });
        this.binary = binary;
        this.logTail = logTail;
        if (options.exitSignal !== undefined) this.exitSignal = options.exitSignal;
    }
}

/** llama-server stopped while it was r1's (crashed, killed by the OS for memory, killed by someone). */
export class LlamaServerExitedError extends R1Error {
    /** The exit code, or `null` when a signal ended it. */
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly logTail: readonly string[];

    constructor(reason: string, exit: {code: number | null, signal: NodeJS.Signals | null}, logTail: readonly string[], hint?: string) {
        super(reason, {hint: hint ?? "retry the request; if it keeps crashing, run with R1_DEBUG=1 to see llama-server's log"});
        this.code = exit.code;
        this.signal = exit.signal;
        this.logTail = logTail;
    }
}

/** llama-server answered a request with an error, or with something that is not its API. */
export class LlamaServerRequestError extends R1Error {
    /** HTTP status, when there was an answer. */
    readonly status?: number;

    constructor(message: string, status?: number) {
        super(`llama-server: ${message}`, {hint: "run with R1_DEBUG=1 to see llama-server's log"});
        if (status !== undefined) this.status = status;
    }
}
