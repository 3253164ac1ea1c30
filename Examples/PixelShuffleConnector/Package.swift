// swift-tools-version: 6.0
//
// A connector defined outside VLBlocks (Idefics3's pixel shuffle), depending on it as any package would: public
// API only. The root package's tests compile the same source (target ExamplePixelShuffle) and check it against
// transformers; this package checks that it builds against the public surface alone:
//   swift build --package-path Examples/PixelShuffleConnector
//   swift run --package-path Examples/PixelShuffleConnector pixel-shuffle-demo \
//     Tests/Fixtures/connectors/pixel_shuffle/config.json Tests/Fixtures/connectors/pixel_shuffle/weights.safetensors \
//     Tests/Fixtures/connectors/pixel_shuffle/io.safetensors

import PackageDescription

let package = Package(
    name: "PixelShuffleConnector",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "VLBlocks", path: "../..")],
    targets: [
        .target(name: "PixelShuffleConnector", dependencies: [.product(name: "VLBlocks", package: "VLBlocks")]),
        .executableTarget(name: "pixel-shuffle-demo", dependencies: ["PixelShuffleConnector", .product(name: "VLBlocks", package: "VLBlocks")]),
    ]
)
