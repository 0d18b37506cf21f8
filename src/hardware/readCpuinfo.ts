import {readFile} from "node:fs/promises";

/**
 * `/proc/cpuinfo`, or the file `R1_CPUINFO` names in `env` (another machine's cpuinfo: what r1 decides
 * on that CPU, and how the tests give r1 an AMX CPU or take it away); `""` where there is none (not Linux).
 */
export async function readCpuinfo(env: NodeJS.ProcessEnv = process.env): Promise<string> {
    const file = env.R1_CPUINFO !== undefined && env.R1_CPUINFO !== "" ? env.R1_CPUINFO : "/proc/cpuinfo";
    return readFile(file, "utf8").catch(() => "");
}
