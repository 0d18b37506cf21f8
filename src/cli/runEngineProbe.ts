import os from "node:os";
import pc from "picocolors";
import {probeEngineIter} from "../bench/probeEngine.js";
import type {HardwareProfile} from "../hardware/index.js";
import {saveEngineProbe, type EngineProbe} from "../plan/index.js";
import {resolveR1Home} from "../store/index.js";

/**
 * Runs the engine probe (`r1 hw --probe`, `r1 plan --probe`), one dim line per measurement on
 * stderr unless `quiet`, and saves the result for the planner.
 */
export async function runEngineProbe(hardware: HardwareProfile, options: {quiet?: boolean, budgetSeconds?: number} = {}): Promise<EngineProbe> {
    const log = (line: string) => {
        if (options.quiet !== true) process.stderr.write(pc.dim(`${line}\n`));
    };
    const r1Home = resolveR1Home();
    log("measuring the engine (node-llama-cpp) on small synthetic models; about a minute…");
    const load = os.loadavg()[0] ?? 0;
    if (load > os.availableParallelism())
        process.stderr.write(pc.yellow(`warning: the machine is busy (load ${load.toFixed(1)} on ${os.availableParallelism()} cores): decode threads stall each other and the probe will measure this moment, not the machine; rerun \`r1 hw --probe\` when it is idle\n`));
    const iterator = probeEngineIter({hardware, r1Home, ...(options.budgetSeconds === undefined ? {} : {budgetSeconds: options.budgetSeconds})});
    let probe: EngineProbe;
    for (;;) {
        const step = await iterator.next();
        if (step.done === true) {
            probe = step.value;
            break;
        }
        const event = step.value;
        if (event.type === "writing") log(`writing probe model ${event.model} (deleted once measured)`);
        else if (event.type === "measured") log(`${event.backend} ${event.what}: ${event.detail}`);
        else log(`${event.backend} ${event.what}: skipped (${event.reason})`);
    }
    await saveEngineProbe(probe, {r1Home});
    log(`engine probe saved (${probe.seconds.toFixed(0)} s); a busy machine measures low: rerun when idle`);
    return probe;
}
