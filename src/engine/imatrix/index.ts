export {computeImatrixIter, MAX_IMATRIX_ARG, type ComputeImatrixOptions, type ImatrixEvent} from "./computeImatrixIter.js";
export {ImatrixOutputParser} from "./parseImatrixOutput.js";
export {ImatrixRunError} from "./errors.js";
