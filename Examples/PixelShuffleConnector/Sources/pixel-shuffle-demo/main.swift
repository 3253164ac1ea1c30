import Foundation
import PixelShuffleConnector
import VLBlocks

// Registers the connector, then loads it by its projector_type through VLBlocks' own config path, as
// `vlblocks connect` would: `pixel-shuffle-demo CONFIG.json WEIGHTS.safetensors INPUT.safetensors`.
ConnectorRegistry.shared.register(PixelShuffleConfiguration.self)
let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: pixel-shuffle-demo CONFIG.json WEIGHTS.safetensors INPUT.safetensors\n".utf8))
    exit(64)
}
do {
    let projector = try Projector.load(try ProjectorConfiguration(contentsOf: arguments[1]), weights: try SafeTensorsFile(path: arguments[2]))
    let input = try SafeTensorsFile(path: arguments[3])
    let tokens = try projector(["image_features": try input.readTensor(named: "image_features")])
    let expected = try input.readTensor(named: "tokens")
    let error = zip(tokens.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
    print("\(projector.namedParameters.keys.sorted()) -> tokens \(tokens.shape), max |error| vs transformers \(error)")
    exit(tokens.shape == expected.shape && error <= 1e-5 ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
}
