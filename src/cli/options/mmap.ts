import type {Argv} from "yargs";

export interface MmapFlags {
    mmap?: boolean;
    mlock?: boolean;
}

/** `--mmap` / `--no-mmap` and `--mlock`, as llama.cpp spells them. `what` is "load" or "plan". */
export function withMmap<T>(yargs: Argv<T>, options: {what: "load" | "plan"}): Argv<T & MmapFlags> {
    const verb = options.what === "plan" ? "plan with the weights" : "";
    return yargs
        .option("mmap", {type: "boolean", describe: options.what === "plan"
            ? `${verb} memory-mapped (--mmap) or read into memory (--no-mmap); default: the planner decides`
            : "memory-map the weights (--mmap) or read them into memory (--no-mmap); default: what `r1 plan` found faster here"})
        .option("mlock", {type: "boolean", describe: options.what === "plan" ? `${verb} pinned in RAM` : "pin the weights in RAM so they are never paged out"}) as unknown as Argv<T & MmapFlags>;
}
