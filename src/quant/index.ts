// Public surface of src/quant: codecs, llama-quantize's type rules, recipes.
export * from "./chooseTensorType.js";
export * from "./recipes.js";
export * from "./quantizableTypes.js";
export * from "./codecs.js";
export * from "./convertTensorData.js";
export * from "./planQuantization.js";
export * from "./quantizeGguf.js";
export {QuantizeWorkerPool, MAX_QUANTIZE_THREADS} from "./QuantizeWorkerPool.js";
export * from "./imatrix/readImatrix.js";
export * from "./imatrix/importanceWeights.js";
export * from "./imatrix/writeImatrixGguf.js";
