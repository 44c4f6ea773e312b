// swift-tools-version: 6.1
// Sentio: live multimodal sentiment analysis. One target per pipeline stage (DESIGN.md §2).
import PackageDescription
import Foundation

// Numeric kernels (DSP, Acoustics) are compiled for the vector unit of the build machine,
// as ggml/llama.cpp do: their SIMD8 loops run on AVX registers instead of pairs of SSE
// registers (same IEEE results: Swift contracts no multiply-add into FMA). On Linux x86-64
// the flags in /proc/cpuinfo pick `skylake-avx512` (AVX-512 F/CD/BW/DQ/VL) or `haswell`
// (AVX2, FMA, BMI1/2, F16C, MOVBE, LZCNT); elsewhere the baseline. SENTIO_TARGET_CPU
// overrides it at build time: an LLVM CPU name, or `baseline` for a binary that must run
// on any x86-64 (e.g. one built here and deployed on other machines).
func kernelTargetCPU() -> String? {
    if let requested = ProcessInfo.processInfo.environment["SENTIO_TARGET_CPU"], !requested.isEmpty {
        return requested == "baseline" ? nil : requested
    }
    #if os(Linux) && arch(x86_64)
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
    let flags = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
    let avx2 = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm", "popcnt"]
    let avx512 = avx2 + ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    if avx512.allSatisfy(flags.contains) { return "skylake-avx512" }
    if avx2.allSatisfy(flags.contains) { return "haswell" }
    #endif
    return nil
}
let kernelCPU = kernelTargetCPU()
let kernelFlags = ["-O"] + (kernelCPU.map { ["-target-cpu", $0] } ?? [])
// Lets the binary report what its kernels were built for (`sentio bench acoustics`).
let kernelDefines: [SwiftSetting] = switch kernelCPU {
case nil: []
case "haswell": [.define("SENTIO_KERNEL_AVX2")]
case "skylake-avx512": [.define("SENTIO_KERNEL_AVX512")]
default: [.define("SENTIO_KERNEL_CUSTOM")]
}

let package = Package(
    name: "Sentio",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sentio", targets: ["sentio"]),
        .library(name: "Media", targets: ["Media"]),
        .library(name: "DSP", targets: ["DSP"]),
        .library(name: "Acoustics", targets: ["Acoustics"]),
        .library(name: "Vision", targets: ["Vision"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Text", targets: ["Text"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "Transport", targets: ["Transport"]),
        .library(name: "Model", targets: ["Model"]),
        .library(name: "Speech", targets: ["Speech"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages; only the adaptor targets import them.
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev",
                                         "libswresample-dev", "libswscale-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),

        // Stages.
        .target(name: "Media", dependencies: ["CFFmpeg", "CSndFile", "CHDF5", .product(name: "Logging", package: "swift-log")]),
        // Numeric kernels are optimised even in debug builds so that the test suite stays fast.
        .target(name: "DSP", swiftSettings: [.unsafeFlags(kernelFlags)] + kernelDefines),
        .target(name: "Acoustics", dependencies: ["DSP"], swiftSettings: [.unsafeFlags(kernelFlags)]),
        .target(name: "Vision"),
        .target(name: "Tensor", dependencies: ["COpenBLAS"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "Text", dependencies: ["Tensor"]),
        .target(name: "Model", dependencies: ["Tensor", "Text", "Media"]),
        .target(name: "Speech", dependencies: ["Tensor", "DSP"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "Pipeline", dependencies: ["Media", "Acoustics", "Vision", "Model", "Text", "Speech"]),
        .target(name: "Transport", dependencies: ["CZeroMQ", "Media", .product(name: "Logging", package: "swift-log")]),

        .executableTarget(name: "sentio", dependencies: [
            "Media", "DSP", "Acoustics", "Vision", "Tensor", "Text", "Model", "Pipeline", "Transport", "Speech",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Tests mirror the targets.
        .testTarget(name: "MediaTests", dependencies: ["Media"]),
        // Runs the built `sentio` binary as a user would.
        .testTarget(name: "SentioCLITests", dependencies: ["sentio", "Transport", "Media"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Media", "Speech"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "Media"]),
        .testTarget(name: "DSPTests", dependencies: ["DSP"]),
        .testTarget(name: "AcousticsTests", dependencies: ["Acoustics", "DSP"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VisionTests", dependencies: ["Vision"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TextTests", dependencies: ["Text", "Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SpeechTests", dependencies: ["Speech", "DSP", "Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Text", "Tensor", "Media"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
