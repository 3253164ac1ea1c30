// swift-tools-version: 6.0
//
// VLBlocks: vision-language-model building blocks for Swift on Linux.
//
// The root manifest carries no unsafe flags so that other packages can depend on it by version.
// Benchmarks live in their own package under Benchmarks/ so that users never resolve its dependencies.

import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

let testSwift: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "VLBlocks",
    // Linux first; on Apple platforms the Synchronization module needs macOS 15.
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "VLBlocks", targets: ["VLBlocks"]),
        .library(name: "VLCore", targets: ["VLCore"]),
        .library(name: "VLPatchEmbedding", targets: ["VLPatchEmbedding"]),
        .library(name: "VLAttention", targets: ["VLAttention"]),
        .library(name: "VLTransformer", targets: ["VLTransformer"]),
        .library(name: "VLConnectors", targets: ["VLConnectors"]),
        .library(name: "VLFeatureMixing", targets: ["VLFeatureMixing"]),
        .library(name: "VLFusion", targets: ["VLFusion"]),
        .library(name: "VLImage", targets: ["VLImage"]),
        .library(name: "VLText", targets: ["VLText"]),
        .library(name: "VLRetrieval", targets: ["VLRetrieval"]),
        .library(name: "VLTesting", targets: ["VLTesting"]),
        .executable(name: "vlblocks", targets: ["vlblocks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS (CBLAS) and LAPACKE from Debian's libopenblas-dev and liblapacke-dev.
        .systemLibrary(
            name: "CVLBlocksBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev", "pkg-config"])]
        ),
        // AVX2 + FMA elementwise kernels, selected at run time (library targets build for baseline x86-64).
        .target(name: "CVLBlocksKernels"),
        .target(name: "VLCore", dependencies: ["CVLBlocksBLAS", "CVLBlocksKernels"], swiftSettings: strictSwift),
        .target(name: "VLPatchEmbedding", dependencies: ["VLCore"], swiftSettings: strictSwift),
        .target(name: "VLAttention", dependencies: ["VLCore"], swiftSettings: strictSwift),
        .target(
            name: "VLTransformer",
            dependencies: ["VLCore", "VLPatchEmbedding", "VLAttention"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "VLConnectors",
            dependencies: ["VLCore", "VLAttention", "VLTransformer"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "VLFeatureMixing",
            dependencies: ["VLCore", "VLConnectors"],
            swiftSettings: strictSwift
        ),
        // Deep fusion: CogVLM's visual-expert decoder layers (token-type routing, position ids) and its EVA2-CLIP vision side.
        .target(
            name: "VLFusion",
            dependencies: ["VLCore", "VLPatchEmbedding", "VLAttention", "VLTransformer"],
            swiftSettings: strictSwift
        ),
        // libwebp and libtiff through pkg-config (Debian libwebp-dev, libtiff-dev).
        .systemLibrary(name: "CVLBlocksWebP", pkgConfig: "libwebpdemux", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CVLBlocksTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        // Image decoding through the system's libpng, libjpeg-turbo, libwebp, giflib and libtiff (Debian libpng-dev,
        // libjpeg62-turbo-dev, libwebp-dev, libgif-dev, libtiff-dev); their error handling (libpng's and libjpeg's
        // setjmp/longjmp, libtiff's handlers) stays in this C shim. giflib and libjpeg ship no pkg-config file on
        // every distribution, so they are linked by name, as libpng is.
        .target(
            name: "CVLBlocksImageCodecs",
            dependencies: ["CVLBlocksWebP", "CVLBlocksTIFF"],
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("gif")]
        ),
        .target(name: "VLImage", dependencies: ["VLCore", "CVLBlocksImageCodecs"], swiftSettings: strictSwift),
        // Tokenizers: CLIP's byte-level BPE and SigLIP's SentencePiece unigram, in Swift (Foundation only).
        .target(name: "VLText", swiftSettings: strictSwift),
        // Dual encoders (CLIP, SigLIP): both towers, contrastive scores, zero-shot; image and text embeddings.
        .target(name: "VLRetrieval", dependencies: ["VLCore", "VLTransformer", "VLImage", "VLText"], swiftSettings: strictSwift),
        // For users' test targets: assert_close-style comparisons and trace diffs (Swift Testing expectations).
        .target(name: "VLTesting", dependencies: ["VLCore"], swiftSettings: strictSwift),
        .target(
            name: "VLBlocks",
            dependencies: [
                "VLCore", "VLPatchEmbedding", "VLAttention", "VLTransformer", "VLConnectors",
                "VLFeatureMixing", "VLFusion", "VLImage", "VLText", "VLRetrieval",
            ],
            swiftSettings: strictSwift
        ),
        // The command line: commands live in a library so tests can run them in-process.
        .target(
            name: "VLBlocksCLI",
            dependencies: [
                "VLBlocks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(name: "vlblocks", dependencies: ["VLBlocksCLI"], swiftSettings: strictSwift),
        // A connector defined outside VLBlocks (Examples/PixelShuffleConnector, its own package), compiled here too so
        // that the registry test loads it by its projector_type.
        .target(
            name: "ExamplePixelShuffle",
            dependencies: ["VLBlocks"],
            path: "Examples/PixelShuffleConnector/Sources/PixelShuffleConnector",
            swiftSettings: strictSwift
        ),
        // Test helpers: fixture paths and tensor comparison.
        .target(name: "VLTestSupport", dependencies: ["VLCore"], path: "Tests/VLTestSupport", swiftSettings: strictSwift),
        .testTarget(
            name: "VLCoreTests",
            dependencies: ["VLCore", "VLTestSupport", "VLTesting"],
            swiftSettings: testSwift
        ),
        .testTarget(
            name: "VLTransformerTests",
            dependencies: ["VLTransformer", "VLAttention", "VLPatchEmbedding", "VLTestSupport", "VLTesting"],
            swiftSettings: testSwift
        ),
        .testTarget(
            name: "VLConnectorsTests",
            dependencies: ["VLConnectors", "VLFeatureMixing", "VLTestSupport", "VLTesting"],
            swiftSettings: testSwift
        ),
        .testTarget(
            name: "VLFusionTests",
            dependencies: ["VLFusion", "VLAttention", "VLTestSupport", "VLTesting"],
            swiftSettings: testSwift
        ),
        .testTarget(
            name: "VLImageTests",
            dependencies: ["VLImage", "VLTestSupport", "VLTesting"],
            swiftSettings: testSwift
        ),
        .testTarget(
            name: "VLReliabilityTests",
            dependencies: ["VLBlocks", "VLTestSupport", "VLTesting"],
            swiftSettings: testSwift
        ),
        .testTarget(
            name: "VLTextTests",
            dependencies: ["VLText"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "VLRetrievalTests",
            dependencies: ["VLRetrieval", "VLTestSupport", "VLTesting"],
            swiftSettings: testSwift
        ),
        .testTarget(
            name: "VLExtensionTests",
            dependencies: ["ExamplePixelShuffle", "VLBlocks", "VLTestSupport", "VLTesting"],
            swiftSettings: testSwift
        ),
        .testTarget(
            name: "VLTracingTests",
            dependencies: ["VLBlocks", "VLTestSupport", "VLTesting"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "VLBlocksCLITests",
            dependencies: ["VLBlocksCLI", "VLBlocks", "VLTestSupport", "VLTesting"],
            swiftSettings: testSwift
        ),
    ]
)
