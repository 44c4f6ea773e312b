// What the numeric kernels were compiled for (Package.swift chooses it from the build
// machine, or SENTIO_TARGET_CPU), so that benchmarks can say which code they timed.
public enum KernelBuild {
    /// The LLVM CPU the DSP and Acoustics targets were compiled for.
    public static var targetCPU: String {
        #if SENTIO_KERNEL_AVX512
        "skylake-avx512"
        #elseif SENTIO_KERNEL_AVX2
        "haswell"
        #elseif SENTIO_KERNEL_CUSTOM
        "custom (SENTIO_TARGET_CPU)"
        #else
        "baseline"
        #endif
    }

    /// Whether the kernels may keep SIMD16<Float> accumulators in registers (AVX-512 has
    /// 32 of 512 bits; elsewhere sixteen-lane chains would spill).
    public static var sixteenLaneRegisters: Bool {
        #if SENTIO_KERNEL_AVX512
        true
        #else
        false
        #endif
    }
}
