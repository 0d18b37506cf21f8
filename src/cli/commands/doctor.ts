import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {diagnose} from "../doctor/diagnose.js";
import type {CheckStatus, DoctorCheck} from "../doctor/DoctorFacts.js";
import {gatherDoctorFacts} from "../doctor/gatherDoctorFacts.js";
import {ExitCode} from "../../util/R1Error.js";

interface DoctorArgs {
    json: boolean;
}

const MARK: Record<CheckStatus, (c: ReturnType<typeof pc.createColors>) => string> = {
    ok: (c) => c.green("ok  "),
    info: (c) => c.cyan("info"),
    warn: (c) => c.yellow("warn"),
    fail: (c) => c.red("FAIL")
};

/** The screen: one line per check, its fix indented under it. Colours only when `color` is set. */
export function formatDoctor(checks: readonly DoctorCheck[], color: boolean): string {
    const c = pc.createColors(color);
    return checks.map((check) => `${MARK[check.status](c)} ${c.bold(check.title.padEnd(12))}${check.detail}` +
        (check.fix === undefined ? "" : `\n     ${" ".repeat(12)}${c.dim(`fix: ${check.fix}`)}`)).join("\n") + "\n";
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
    command: "doctor",
    describe: "why this machine is slow or failing: threads and load, GPU driver vs runtime, probe, disk, engines — each with the fix",
    builder: (yargs) => (yargs as Argv<object>)
        .option("json", {type: "boolean", default: false, describe: "print the facts and the checks as JSON"}) as unknown as Argv<DoctorArgs>,
    handler: async (args) => {
        const facts = await gatherDoctorFacts();
        const checks = diagnose(facts);
        if (args.json) {
            process.stdout.write(`${JSON.stringify({checks, facts}, null, 2)}\n`);
        } else {
            process.stdout.write(formatDoctor(checks, process.stdout.isTTY === true && pc.isColorSupported));
        }
        // A failed check is a failing machine: scripts can test the exit code.
        if (checks.some((check) => check.status === "fail")) process.exitCode = ExitCode.failure;
    }
};
