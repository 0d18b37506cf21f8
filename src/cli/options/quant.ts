import type {Argv} from "yargs";
import {allVariants, findQuantOption} from "../../catalog/index.js";
import {singleValue, usageError, validated} from "./optionValue.js";

export interface QuantFlags {
    /** The quant's catalog spelling (`Q4_K_M`), under `q` and `quant`. */
    q?: string;
    quant?: string;
}

/** A quant name any catalog variant has, in the catalog's spelling (`q4_k_m` → `Q4_K_M`). */
export function parseQuant(value: unknown): string {
    const name = String(singleValue("quant", value as string | string[]));
    const option = findQuantOption(name);
    if (option === undefined) {
        const known = [...new Set(allVariants().flatMap((variant) => variant.quants))];
        throw usageError(`unknown quant "${name}"; valid: ${known.join(", ")}`);
    }
    return option.name;
}

/** `-q` / `--quant`: a quantization by its catalog name. Whether a given model has it is the command's check. */
export function withQuant<T>(yargs: Argv<T>, options: {describe: string}): Argv<T & QuantFlags> {
    const y = yargs.option("quant", {type: "string", alias: "q", describe: options.describe});
    return validated(y, ["quant", "q"], parseQuant) as unknown as Argv<T & QuantFlags>;
}
