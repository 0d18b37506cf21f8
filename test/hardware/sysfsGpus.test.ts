import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdir, mkdtemp, rm, symlink, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {classifySysfsGpus, detectHardware, detectSysfsGpus, findKnownPciGpu, readSysfsGpus} from "../../src/hardware/index.js";
import {requireVariant} from "../../src/catalog/index.js";
import {planModel} from "../../src/plan/index.js";

const GiB = 2 ** 30;
const GB = 1e9;

interface Card {
    vendor: string;
    device: string;
    driver: string;
    files?: Record<string, string>;
    cardFiles?: Record<string, string>;
}

/** A /sys/class/drm look-alike: cardN/device → ../../devices/pci…/<slot>, as Linux links it. */
async function fixture(cards: Record<string, Card>): Promise<string> {
    const root = await mkdtemp(path.join(os.tmpdir(), "r1-sysfs-"));
    const drm = path.join(root, "class", "drm");
    await mkdir(drm, {recursive: true});
    let slot = 0;
    for (const [name, c] of Object.entries(cards)) {
        const dev = path.join(root, "devices", `0000:0${slot++}:00.0`);
        await mkdir(dev, {recursive: true});
        await writeFile(path.join(dev, "vendor"), `${c.vendor}\n`);
        await writeFile(path.join(dev, "device"), `${c.device}\n`);
        await writeFile(path.join(dev, "uevent"), `DRIVER=${c.driver}\nPCI_CLASS=30000\n`);
        for (const [file, text] of Object.entries(c.files ?? {})) {
            await mkdir(path.dirname(path.join(dev, file)), {recursive: true});
            await writeFile(path.join(dev, file), text);
        }
        await mkdir(path.join(drm, name));
        await symlink(dev, path.join(drm, name, "device"));
        for (const [file, text] of Object.entries(c.cardFiles ?? {})) await writeFile(path.join(drm, name, file), text);
    }
    return drm;
}

const MACHINE: Record<string, Card> = {
    card0: {vendor: "0x1002", device: "0x744c", driver: "amdgpu", files: {mem_info_vram_total: `${24560 * 2 ** 20}\n`, mem_info_vram_used: `${GiB}\n`}},
    card1: {vendor: "0x1002", device: "0x15bf", driver: "amdgpu", files: {mem_info_vram_total: `${512 * 2 ** 20}\n`, mem_info_vram_used: "0\n"}},
    card2: {vendor: "0x8086", device: "0x46a6", driver: "i915"},
    card3: {vendor: "0x8086", device: "0x56a0", driver: "i915", cardFiles: {lmem_total_bytes: `${16 * GiB}\n`}},
    card4: {vendor: "0x10de", device: "0x2684", driver: "nvidia"},
    card5: {vendor: "0x1002", device: "0x9999", driver: "amdgpu", files: {mem_info_vram_total: `${8 * GiB}\n`}},
    card6: {vendor: "0x8086", device: "0xe20b", driver: "xe", files: {"tile0/physical_vram_size_bytes": `${12 * GiB}\n`}}
};

test("sysfs: discrete AMD/Intel cards become Vulkan devices; iGPUs, APUs and NVIDIA only notes", async () => {
    const root = await fixture(MACHINE);
    try {
        // A connector entry and a second card node for the same PCI device are not GPUs of their own.
        await mkdir(path.join(root, "card0-DP-1"));
        await mkdir(path.join(root, "card7"));
        await symlink(path.join(root, "card0", "device"), path.join(root, "card7", "device"));
        const facts = await readSysfsGpus(root);
        assert.deepEqual(facts.map((f) => f.card), ["card0", "card1", "card2", "card3", "card4", "card5", "card6"]);
        assert.equal(facts[0]!.driver, "amdgpu");
        assert.equal(facts[0]!.vramUsedBytes, GiB);

        const {gpus, notes} = await detectSysfsGpus({root});
        assert.deepEqual(gpus.map((g) => g.name), ["AMD Radeon RX 7900 XTX", "Intel Arc A770 16GB", "AMD GPU 0x9999", "Intel Arc B580"]);
        for (const g of gpus) assert.equal(g.backend, "vulkan");
        const xtx = gpus[0]!;
        assert.equal(xtx.vramBytes, 24560 * 2 ** 20);
        assert.equal(xtx.freeVramBytes, 24560 * 2 ** 20 - GiB);
        assert.equal(xtx.bandwidthBytesPerSecond, 960 * GB);
        assert.equal(xtx.bandwidthSource, "table");
        assert.equal(gpus[1]!.vramBytes, 16 * GiB);
        assert.equal(gpus[2]!.bandwidthSource, "assumed");
        assert.equal(gpus[3]!.vramBytes, 12 * GiB);
        assert.ok(notes.some((n) => n.includes("card1") && n.includes("integrated")));
        assert.ok(notes.some((n) => n.includes("card2") && n.includes("integrated")));
        assert.ok(notes.some((n) => n.includes("0x9999") && n.includes("assumed")));
        assert.ok(!notes.some((n) => n.includes("card4")));
    } finally {
        await rm(path.dirname(path.dirname(root)), {recursive: true, force: true});
    }
});

test("sysfs: a missing tree, unreadable or absurd files give nothing, never a throw", async () => {
    assert.deepEqual(await readSysfsGpus(path.join(os.tmpdir(), "r1-no-such-sysfs")), []);
    const root = await fixture({
        card0: {vendor: "0x1002", device: "0x744c", driver: "amdgpu", files: {mem_info_vram_total: "lots\n"}},
        card1: {vendor: "0x1002", device: "0x73bf", driver: "amdgpu", files: {mem_info_vram_total: "9".repeat(5000)}}
    });
    try {
        const facts = await readSysfsGpus(root);
        assert.equal(facts[0]!.vramTotalBytes, undefined);
        assert.equal(facts[1]!.vramTotalBytes, undefined);
        // A known discrete die with no size in sysfs is still counted, with the board's size from the table.
        const {gpus} = classifySysfsGpus(facts);
        assert.equal(gpus.length, 2);
        assert.equal(gpus[0]!.name, "AMD Radeon RX 7900 XT");
    } finally {
        await rm(path.dirname(path.dirname(root)), {recursive: true, force: true});
    }
});

test("boards sharing a die's PCI id are told apart by their VRAM", () => {
    assert.equal(findKnownPciGpu("0x1002", "0x744c", 24560 * 2 ** 20)?.name, "AMD Radeon RX 7900 XTX");
    assert.equal(findKnownPciGpu("0x1002", "0x744c", 20464 * 2 ** 20)?.name, "AMD Radeon RX 7900 XT");
    assert.equal(findKnownPciGpu("0x8086", "0x56A0", 8 * GiB)?.name, "Intel Arc A770 8GB");
    assert.equal(findKnownPciGpu("0x1002", "0x0000"), undefined);
});

test("detectHardware adds sysfs GPUs as Vulkan devices and r1 plans on them", async () => {
    if (os.platform() !== "linux") return;
    const root = await fixture({card0: MACHINE.card0!});
    const home = await mkdtemp(path.join(os.tmpdir(), "r1-sysfs-home-"));
    try {
        const h = await detectHardware({nvidia: false, sysfsRoot: root, r1Home: home});
        assert.equal(h.gpus.length, 1);
        assert.equal(h.gpus[0]!.backend, "vulkan");
        const plan = planModel({variant: requireVariant("deepseek-r1:14b"), quant: "Q4_K_M", hardware: h});
        assert.equal(plan.placement, "gpu");
        assert.equal(plan.devices[0]!.backend, "vulkan");
    } finally {
        await rm(path.dirname(path.dirname(root)), {recursive: true, force: true});
        await rm(home, {recursive: true, force: true});
    }
});
