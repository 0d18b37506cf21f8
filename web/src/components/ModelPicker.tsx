import type {WebModel} from "../uiApi.js";
import {verdictLabel} from "../uiApi.js";
import {formatTokensPerSecond} from "../replyMeter.js";

export interface ModelPickerProps {
    models: WebModel[];
    loading: boolean;
    error?: string;
    value: string;
    onChange(id: string): void;
}

export function VerdictBadge({model}: {model: WebModel | undefined}) {
    if (model?.verdict === undefined) return null;
    const speed = model.generationTokensPerSecond === undefined ? "" : ` · ~${formatTokensPerSecond(model.generationTokensPerSecond)}`;
    return (
        <span class={`badge verdict-${model.verdict}`} title="The planner's prediction for this machine">
            {verdictLabel(model.verdict)}{speed}
        </span>
    );
}

export function ModelPicker({models, loading, error, value, onChange}: ModelPickerProps) {
    const current = models.find((m) => m.id === value);
    return (
        <div class="model-picker">
            <label for="model-select" class="visually-hidden">Model</label>
            <select id="model-select" value={value} disabled={models.length === 0}
                onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}>
                {models.length === 0 && <option value="">{loading ? "Loading models…" : error ?? "No models"}</option>}
                {models.map((m) => (
                    <option key={m.id} value={m.id}>
                        {m.id}{m.verdict === undefined ? "" : ` — ${verdictLabel(m.verdict)}`}
                    </option>
                ))}
            </select>
            <VerdictBadge model={current} />
        </div>
    );
}
