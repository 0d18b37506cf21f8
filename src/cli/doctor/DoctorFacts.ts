/** What `r1 doctor` observed about this machine; `diagnose` turns it into checks. */
export interface DoctorFacts {
    cpu: {
        logicalCores: number;
        physicalCores: number;
        /** Decode threads r1 uses by default (one per physical core). */
        threads: number;
        /** 1-minute load average (0 where the OS has none). */
        load1: number;
        /** Cores other processes kept busy while r1 doctor watched (Linux `/proc/stat`), when measured. */
        busyCores?: number;
        /** The processes using the most CPU then. */
        topProcesses: {pid: number, command: string, cores: number}[];
    };
    gpu: {
        /** What `nvidia-smi` lists; undefined when it is not installed. */
        nvidiaSmi?: {gpus: {name: string, driver: string, memoryMiB: number}[], error?: string};
        /** What node-llama-cpp (the embedded engine) loaded. */
        runtime: {backend: string | false, devices: string[], error?: string, forcedOff: boolean};
    };
    calibration: {engineProbe?: {measuredAt: string}, calibrated: boolean, bandwidthProbed: boolean};
    disk: {dir: string, freeBytes?: number, smallestModelBytes: number, recommended?: {name: string, bytes: number}};
    engines: {
        embedded: {version: string};
        llamaServer: {path?: string, installs: {dir: string, origin: string, compatible: boolean, problem?: string}[]};
    };
}

export type CheckStatus = "ok" | "info" | "warn" | "fail";

/** One line of `r1 doctor`: what was found, and what to do about it. */
export interface DoctorCheck {
    id: "threads" | "gpu" | "calibration" | "disk" | "engines";
    title: string;
    status: CheckStatus;
    detail: string;
    fix?: string;
}
