import assert from "node:assert/strict";
import {test} from "node:test";
import {repackRetryReason} from "../../../src/engine/llamaServer/repackRetryReason.js";

// The last lines of llama.cpp v0.4.0's AMX build (-fno-dse) loading the tiny deepseek2 MoE, as measured here.
const ABORT_TAIL = [
    "0.00.023.354 W llama_model_loader: tensor overrides to CPU are used with mmap enabled - consider using --load-mode none for better performance",
    "/root/.r1/llama.cpp/src/v0.4.0/ggml/src/ggml-backend.cpp:1294: GGML_ASSERT(*cur_backend_id != -1) failed",
    "#2  0x0000557554ec32f8 in ggml_abort ()",
    "#3  0x0000557554ee1bb5 in ggml_backend_sched_split_graph ()"
];

test("repackRetryReason: SIGILL, or SIGABRT in ggml's scheduler, is retried with --no-repack; any other failure is not", () => {
    assert.equal(repackRetryReason({exitSignal: "SIGILL", logTail: []}), "illegal-instruction");
    assert.equal(repackRetryReason({exitSignal: "SIGABRT", logTail: ABORT_TAIL}), "amx-unplaceable-op");
    // A long backtrace pushed the assertion out of the tail: the scheduler's frame still tells.
    assert.equal(repackRetryReason({exitSignal: "SIGABRT", logTail: ABORT_TAIL.slice(2)}), "amx-unplaceable-op");
    assert.equal(repackRetryReason({exitSignal: "SIGABRT", logTail: ["ggml.c:1:1: GGML_ASSERT(ctx->mem_buffer != NULL) failed", "#2 in ggml_abort ()"]}), undefined);
    assert.equal(repackRetryReason({exitSignal: "SIGKILL", logTail: ABORT_TAIL}), undefined);
    assert.equal(repackRetryReason({logTail: ABORT_TAIL}), undefined);
});
