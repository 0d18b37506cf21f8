// Worker-thread entry of QuantizeWorkerPool: converts slices of tensor data off the main thread.
import {parentPort} from "node:worker_threads";
import {convertTensorData} from "./convertTensorData.js";
import type {ConvertJob, ConvertResult} from "./QuantizeWorkerPool.js";

parentPort?.on("message", (job: ConvertJob) => {
    try {
        const bytes = convertTensorData(job.sourceType, new Uint8Array(job.source), job.elements, job.targetType, job.importance);
        const result: ConvertResult = {id: job.id, bytes};
        parentPort!.postMessage(result, [bytes.buffer as ArrayBuffer]);
    } catch (error) {
        const result: ConvertResult = {id: job.id, error: (error as Error).message};
        parentPort!.postMessage(result);
    }
});
