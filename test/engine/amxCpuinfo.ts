/** cpuinfo of a Sapphire Rapids core (flags abridged) and of a Zen 4 one: the AMX decisions take the text, not this machine's. */
export const AMX_CPUINFO = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
    + "flags\t\t: fpu sse2 avx avx2 fma f16c avx512f avx512bw avx512_vnni avx512_bf16 amx_bf16 avx512_fp16 amx_tile amx_int8\n";
export const NO_AMX_CPUINFO = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD Ryzen 9 7950X\n"
    + "flags\t\t: fpu sse2 avx avx2 fma f16c avx512f avx512bw avx512_vnni avx512_bf16\n";
