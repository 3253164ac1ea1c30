// swift-tools-version: 6.0
//
// libFuzzer harnesses for VLBlocks' parsers, kept out of the root package. Build and run (see Docs/Reliability.md):
//   swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//   .build/release/FuzzSafeTensors -runs=1000000 Corpus/safetensors
// The same entry points run without libFuzzer as a seeded mutation loop in the test suite (FuzzSmokeTests).

import PackageDescription

let package = Package(
    name: "VLBlocksFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "VLBlocks", path: "..")],
    targets: [
        .target(name: "FuzzTargets", dependencies: [.product(name: "VLBlocks", package: "VLBlocks")]),
        .executableTarget(name: "FuzzSafeTensors", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzConfigs", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzShardedIndex", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzImages", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzWebP", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzGIF", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzBMP", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzTIFF", dependencies: ["FuzzTargets"]),
    ]
)
