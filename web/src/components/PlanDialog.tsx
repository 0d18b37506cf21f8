import {useEffect, useState} from "preact/hooks";
import type {WebPlanResponse} from "../uiApi.js";
import {fetchPlan, formatBytes, verdictLabel} from "../uiApi.js";
import {formatTokensPerSecond} from "../replyMeter.js";
import {Dialog} from "./Dialog.js";

export interface PlanDialogProps {
    open: boolean;
    apiKey?: string;
    onClose(): void;
}

type PlanState = {kind: "loading"} | {kind: "error", message: string} | {kind: "ready", plan: WebPlanResponse};

export function PlanDialog({open, apiKey, onClose}: PlanDialogProps) {
    const [state, setState] = useState<PlanState>({kind: "loading"});
    const [fitsOnly, setFitsOnly] = useState(true);
    useEffect(() => {
        if (!open) return;
        const controller = new AbortController();
        setState({kind: "loading"});
        fetchPlan(controller.signal, apiKey).then(
            (plan) => setState({kind: "ready", plan}),
            (error: unknown) => {
                if (!controller.signal.aborted) setState({kind: "error", message: error instanceof Error ? error.message : String(error)});
            }
        );
        return () => controller.abort();
    }, [open, apiKey]);
    return (
        <Dialog id="plan" title="What runs on this machine" open={open} onClose={onClose} wide>
            {state.kind === "loading" && <p class="muted" role="status">Planning…</p>}
            {state.kind === "error" && <p class="reply-error" role="alert">Could not load the plan: {state.message}</p>}
            {state.kind === "ready" && (
                <div class="plan">
                    <section aria-labelledby="plan-hw">
                        <h3 id="plan-hw">Hardware</h3>
                        <dl class="hardware">
                            {state.plan.hardware.map((item, i) => (
                                <div key={i} class="hardware-item"><dt>{item.label}</dt><dd>{item.value}</dd></div>
                            ))}
                        </dl>
                        {(state.plan.notes ?? []).length > 0 && (
                            <ul class="plan-notes">{state.plan.notes!.map((note, i) => <li key={i}>{note}</li>)}</ul>
                        )}
                    </section>
                    {state.plan.recommendation !== undefined && <p class="recommendation"><strong>Recommended:</strong> {state.plan.recommendation}</p>}
                    <section aria-labelledby="plan-table-title">
                        <div class="plan-table-head">
                            <h3 id="plan-table-title">Variants and quantizations{state.plan.contextSize === undefined ? "" : ` (context ${state.plan.contextSize} tokens)`}</h3>
                            <label class="checkbox"><input type="checkbox" checked={fitsOnly}
                                onChange={(e) => setFitsOnly((e.currentTarget as HTMLInputElement).checked)} /> Only what fits</label>
                        </div>
                        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="plan-table-title">
                            <table class="plan-table">
                                <thead>
                                    <tr><th scope="col">Model</th><th scope="col">Quant</th><th scope="col" class="col-placement">Placement</th><th scope="col">Memory</th>
                                        <th scope="col">Generation</th><th scope="col" class="col-prompt">Prompt</th><th scope="col">Verdict</th></tr>
                                </thead>
                                <tbody>
                                    {state.plan.rows.filter((r) => !fitsOnly || r.verdict !== "does-not-fit").map((r) => (
                                        <tr key={`${r.model}:${r.quant}`}>
                                            <td class="col-model">{r.model}</td>
                                            <td data-label="Quant">{r.quant}</td>
                                            <td class="col-placement">{r.placement}{r.gpuLayers === undefined || r.placement !== "partial" ? "" : ` (${r.gpuLayers} layers on GPU)`}</td>
                                            <td class="num" data-label="Memory">{r.totalBytes === undefined ? "–" : formatBytes(r.totalBytes)}</td>
                                            <td class="num" data-label="Generation">{r.generationTokensPerSecond === undefined ? "–" : formatTokensPerSecond(r.generationTokensPerSecond)}</td>
                                            <td class="num col-prompt">{r.promptTokensPerSecond === undefined ? "–" : formatTokensPerSecond(r.promptTokensPerSecond)}</td>
                                            <td class="col-verdict"><span class={`badge verdict-${r.verdict}`}>{verdictLabel(r.verdict)}</span></td>
                                        </tr>
                                    ))}
                                </tbody>
                            </table>
                        </div>
                    </section>
                </div>
            )}
        </Dialog>
    );
}
