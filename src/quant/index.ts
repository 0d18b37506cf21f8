// Public surface of src/quant: codecs, llama-quantize's type rules, recipes.
export * from "./chooseTensorType.js";
export * from "./recipes.js";
export * from "./quantizableTypes.js";
