import type {Settings} from "../conversations.js";
import {DEFAULT_SETTINGS} from "../conversations.js";
import {Dialog} from "./Dialog.js";
import {DraftInput} from "./DraftInput.js";

export interface SettingsDialogProps {
    open: boolean;
    settings: Settings;
    /** Receives an update of the latest settings (two edits before a render must not undo each other). */
    onChange(update: (settings: Settings) => Settings): void;
    onClose(): void;
}

function numberOrUndefined(text: string): number | undefined {
    if (text.trim() === "") return undefined;
    const n = Number(text);
    return Number.isFinite(n) ? n : undefined;
}

function clamp(n: number, min: number, max: number): number {
    return Math.min(max, Math.max(min, n));
}

export function SettingsDialog({open, settings, onChange, onClose}: SettingsDialogProps) {
    const set = (patch: Partial<Settings>) => onChange((current) => {
        const next: Settings = {...current, ...patch};
        for (const key of ["contextSize", "thinkBudget", "apiKey"] as const)
            if (key in patch && patch[key] === undefined) delete next[key];
        return next;
    });
    return (
        <Dialog id="settings" title="Settings" open={open} onClose={onClose}>
            <form class="settings-form" onSubmit={(e) => {
                e.preventDefault();
                onClose();
            }}>
                <div class="field">
                    <label for="set-temperature">Temperature <output for="set-temperature">{settings.temperature.toFixed(2)}</output></label>
                    <input id="set-temperature" type="range" min="0" max="2" step="0.05" value={settings.temperature}
                        aria-describedby="set-temperature-hint"
                        onInput={(e) => set({temperature: clamp(Number((e.currentTarget as HTMLInputElement).value), 0, 2)})} />
                    <p id="set-temperature-hint" class="hint">DeepSeek recommends 0.5–0.7 for R1 (default 0.6).</p>
                </div>
                <div class="field">
                    <label for="set-top-p">Top-p <output for="set-top-p">{settings.topP.toFixed(2)}</output></label>
                    <input id="set-top-p" type="range" min="0.05" max="1" step="0.05" value={settings.topP}
                        onInput={(e) => set({topP: clamp(Number((e.currentTarget as HTMLInputElement).value), 0, 1)})} />
                </div>
                <div class="field">
                    <label for="set-context">Context size (tokens)</label>
                    <DraftInput id="set-context" type="number" min="256" max="1048576" step="256" inputMode="numeric" placeholder="chosen by the planner"
                        stored={String(settings.contextSize ?? "")} describedBy="set-context-hint"
                        onCommit={(text) => set({contextSize: numberOrUndefined(text)})} />
                    <p id="set-context-hint" class="hint">Empty: the planner's choice for this machine. Larger contexts need more memory.</p>
                </div>
                <div class="field">
                    <label for="set-think-budget">Thinking budget (tokens)</label>
                    <DraftInput id="set-think-budget" type="number" min="0" step="64" inputMode="numeric" placeholder="unlimited"
                        stored={String(settings.thinkBudget ?? "")} describedBy="set-think-hint"
                        onCommit={(text) => set({thinkBudget: numberOrUndefined(text)})} />
                    <p id="set-think-hint" class="hint">After this many reasoning tokens the model must answer. Empty: unlimited.</p>
                </div>
                <div class="field">
                    <label for="set-api-key">API key</label>
                    <DraftInput id="set-api-key" type="password" autoComplete="off" placeholder="none" stored={settings.apiKey ?? ""}
                        describedBy="set-api-key-hint"
                        onCommit={(text) => set({apiKey: text.trim() === "" ? undefined : text.trim()})} />
                    <p id="set-api-key-hint" class="hint">Only for a server started with <code>--api-key</code>; kept in this browser.</p>
                </div>
                <div class="dialog-actions">
                    <button type="button" class="button" onClick={() => onChange((current) => ({...DEFAULT_SETTINGS, model: current.model,
                        ...(current.apiKey === undefined ? {} : {apiKey: current.apiKey})}))}>Reset to defaults</button>
                    <button type="submit" class="button primary">Done</button>
                </div>
            </form>
        </Dialog>
    );
}
