import path from "node:path";

/** Where `r1 bench --synthetic` caches its models: `<R1_HOME>/cache/synthetic/<variant>-<QUANT>.gguf`. */
export function syntheticModelPath(r1Home: string, variantId: string, quant: string): string {
    return path.join(r1Home, "cache", "synthetic", `${variantId}-${quant.toUpperCase()}.gguf`);
}
