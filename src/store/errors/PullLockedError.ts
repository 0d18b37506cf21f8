import {ExitCode, R1Error} from "../../util/R1Error.js";

/** Another live process holds the lock of the file being downloaded (or of the model being removed). */
export class PullLockedError extends R1Error {
    readonly file: string;
    readonly pid: number;

    constructor(file: string, pid: number) {
        super(`${file} is being downloaded by another r1 process (pid ${pid})`, {
            exitCode: ExitCode.failure,
            hint: "wait for it to finish, or stop that process; a new pull resumes its partial file"
        });
        this.file = file;
        this.pid = pid;
    }
}
