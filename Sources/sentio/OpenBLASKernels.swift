import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's OpenBLAS 0.3.21 picks its AVX2 (Haswell) kernels on AMD Zen 4, which has AVX-512;
/// its SkylakeX kernels run sgemm about 2× faster there (measured in docs/PERFORMANCE-text.md).
/// OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads, so a command that does heavy
/// tensor work calls this first: when the variable is unset and the CPU has AVX-512 F/BW/VL/DQ,
/// it sets OPENBLAS_CORETYPE=SKYLAKEX and re-executes the same command line. A user's own
/// OPENBLAS_CORETYPE (any value) is always respected.
enum OpenBLASKernels {
    static func preferAVX512() {
        #if os(Linux)
        guard getenv("OPENBLAS_CORETYPE") == nil, let flagsLine = cpuFlagsLine() else { return }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        guard ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) else { return }
        setenv("OPENBLAS_CORETYPE", "SKYLAKEX", 1)
        let args = CommandLine.arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cargs.append(nil)
        execv("/proc/self/exe", &cargs)
        // execv returns only on failure: continue with the default kernels.
        for p in cargs { free(p) }
        #endif
    }

    /// The first "flags" line of /proc/cpuinfo (read with stdio: procfs files report size 0).
    static func cpuFlagsLine() -> String? {
        #if os(Linux)
        guard let f = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(f) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var cap = 0
        defer { free(line) }
        while getline(&line, &cap, f) > 0 {
            if let line, strncmp(line, "flags", 5) == 0 { return String(cString: line) }
        }
        #endif
        return nil
    }
}
