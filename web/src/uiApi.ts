/** Reads the server's model list and the page's own `/ui/api/*` routes. */
import type {WebModel, WebModelsResponse, WebPlanResponse} from "../../src/server/webApiTypes.js";
import {apiHeaders} from "./chatStream.js";

export type {WebModel, WebPlanResponse, WebPlanRow, WebVerdict} from "../../src/server/webApiTypes.js";

async function getJson<T>(url: string, signal?: AbortSignal, apiKey?: string): Promise<T> {
    const response = await fetch(url, {headers: apiHeaders(apiKey, {accept: "application/json"}), ...(signal === undefined ? {} : {signal})});
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return await response.json() as T;
}

/**
 * The models to offer: those `/v1/models` serves, with the planner's verdict from `/ui/api/models`
 * where it knows them. Either source may be missing; what the other gives is used.
 */
export async function fetchModels(signal?: AbortSignal, apiKey?: string): Promise<WebModel[]> {
    const [served, planned] = await Promise.allSettled([
        getJson<{data?: {id?: unknown}[]}>("/v1/models", signal, apiKey),
        getJson<WebModelsResponse>("/ui/api/models", signal, apiKey)
    ]);
    const info = new Map<string, WebModel>();
    if (planned.status === "fulfilled" && Array.isArray(planned.value.models))
        for (const m of planned.value.models) info.set(m.id, m);
    if (served.status === "fulfilled" && Array.isArray(served.value.data)) {
        const ids = served.value.data.map((m) => m.id).filter((id): id is string => typeof id === "string");
        return ids.map((id) => info.get(id) ?? {id});
    }
    if (planned.status === "fulfilled") return [...info.values()];
    throw served.status === "rejected" ? served.reason : new Error("no model list");
}

export function fetchPlan(signal?: AbortSignal, apiKey?: string): Promise<WebPlanResponse> {
    return getJson<WebPlanResponse>("/ui/api/plan", signal, apiKey);
}

export function verdictLabel(verdict: string): string {
    return verdict === "technically-runs" ? "technically runs" : verdict.replace(/-/g, " ");
}

export function formatBytes(bytes: number): string {
    const units = ["B", "KB", "MB", "GB", "TB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
        value /= 1000;
        unit++;
    }
    return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
