// swift-tools-version: 6.1
//
// VLBlocks benchmarks (ordo-one/package-benchmark), kept out of the root package so that users of the
// library never resolve these dependencies. Run from this folder:
//   swift package --allow-writing-to-package-directory benchmark
//   swift package benchmark --target KernelBenchmarks --filter "GEMM.*"
//   VLBLOCKS_THREADS=2 swift package benchmark --target ModelBenchmarks
// This package may use unsafe flags (it is never a dependency); it builds in release mode.

import PackageDescription

let package = Package(
    name: "VLBlocksBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "VLBlocks", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", .upToNextMinor(from: "1.38.0"), traits: ["MallocInterposer"]),
    ],
    targets: [
        // Direct access to cblas_sgemm, to show what the VLBlocks wrapper costs on top of it.
        .systemLibrary(name: "CBenchBLAS", path: "Benchmarks/CBenchBLAS", pkgConfig: "openblas"),
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "VLCore", package: "VLBlocks"),
                "CBenchBLAS",
            ],
            path: "Benchmarks/KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "ModelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "VLBlocks", package: "VLBlocks"),
            ],
            path: "Benchmarks/ModelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
