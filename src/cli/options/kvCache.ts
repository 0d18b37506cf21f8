import type {Argv} from "yargs";
import {KV_CACHE_TYPES, type KvCacheType} from "../../plan/index.js";
import {singleValue, usageError} from "./optionValue.js";

export interface KvCacheFlags {
    /** After parsing, a `KvCacheType` (lower case), under `cache-type-k` and `ctk`. */
    "cache-type-k"?: string;
    /** The same for values, under `cache-type-v` and `ctv`. */
    "cache-type-v"?: string;
}

/** A KV cache type llama.cpp accepts for `--cache-type-k/v`, lower-cased. */
export function parseKvCacheType(value: unknown, flag = "cache-type-k"): KvCacheType {
    const name = String(singleValue(flag, value as string | string[])).toLowerCase();
    if (!(KV_CACHE_TYPES as readonly string[]).includes(name)) throw usageError(`--${flag} ${name} is not a KV cache type`, `use one of ${KV_CACHE_TYPES.join(", ")}`);
    return name as KvCacheType;
}

/**
 * `--cache-type-k` / `-ctk`, `--cache-type-v` / `-ctv` (llama.cpp's spellings) and `--kv-cache`
 * for both at once. Both end up in `cache-type-k` and `cache-type-v`; `--kv-cache` beside a
 * different `--cache-type-k/v` is refused.
 */
export function withKvCache<T>(yargs: Argv<T>): Argv<T & KvCacheFlags> {
    return yargs.parserConfiguration({"short-option-groups": false})
        .option("cache-type-k", {type: "string", alias: "ctk", describe: `KV cache type for keys: ${KV_CACHE_TYPES.join(", ")} (default: f16)`})
        .option("cache-type-v", {type: "string", alias: "ctv", describe: "KV cache type for values (default: f16)"})
        .option("kv-cache", {type: "string", describe: "KV cache type for both keys and values"})
        .middleware((argv: Record<string, unknown>) => {
            const both = argv["kv-cache"] === undefined ? undefined : parseKvCacheType(argv["kv-cache"], "kv-cache");
            for (const [flag, short] of [["cache-type-k", "ctk"], ["cache-type-v", "ctv"]] as const) {
                const given = argv[flag] === undefined ? undefined : parseKvCacheType(argv[flag], flag);
                if (given !== undefined && both !== undefined && given !== both) throw usageError(`--kv-cache ${both} and --${flag} ${given} disagree`, "give one of them");
                const value = given ?? both;
                if (value === undefined) continue;
                argv[flag] = value;
                argv[short] = value;
                argv[flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
            }
        }) as unknown as Argv<T & KvCacheFlags>;
}
