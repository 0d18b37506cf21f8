export type {Architecture, ArchitectureName, DenseArchitecture, MoeArchitecture, PublishedScores, TensorSpec, Variant, VariantDownloads} from "./types.js";
export {VARIANTS, DENSE_QUANTS, MOE_QUANTS} from "./variants.js";
export {allVariants, findVariant, requireVariant, UnknownVariantError} from "./findVariant.js";
export {allQuantOptions, findQuantOption, type QuantOption} from "./quantOptions.js";
export {variantTensors, tensorElements, tensorLayer, type VariantTensorsOptions} from "./variantTensors.js";
export {variantGgufMetadata, type VariantGgufMetadataOptions} from "./variantGgufMetadata.js";
export {variantFileSize, variantModelFacts, UnknownQuantError, type VariantFileSize} from "./variantFileSize.js";
export {variantDownload, type VariantDownload} from "./variantDownload.js";
export {resolveModelName, DEFAULT_QUANT, type ResolvedModel} from "./resolveModelName.js";
