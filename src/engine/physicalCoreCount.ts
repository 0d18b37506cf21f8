import {readFileSync} from "node:fs";
import os from "node:os";

/**
 * Physical CPU cores: llama.cpp decodes fastest with one thread per physical core (hyper-threads
 * share the core's memory port, and decode is bandwidth-bound). Linux counts distinct
 * (package, core) pairs; elsewhere the logical count is the best available.
 */
export function physicalCoreCount(): number {
    const logical = os.availableParallelism();
    if (process.platform !== "linux") return logical;
    try {
        const cores = new Set<string>();
        let physical = "0";
        for (const line of readFileSync("/proc/cpuinfo", "utf8").split("\n")) {
            const [key, value] = line.split(":").map((part) => part.trim());
            if (key === "physical id") physical = value ?? "0";
            else if (key === "core id") cores.add(`${physical}/${value}`);
        }
        return cores.size === 0 ? logical : Math.min(logical, cores.size);
    } catch {
        return logical;
    }
}
