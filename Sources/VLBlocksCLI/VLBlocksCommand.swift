public import ArgumentParser

/// The `vlblocks` command line: inspect checkpoints, encode images, run and benchmark connectors.
public struct VLBlocksCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vlblocks",
        abstract: "Vision-language-model building blocks: encoders, connectors, feature mixing, deep fusion.",
        subcommands: [CompareCommand.self, EncodeCommand.self, ConnectCommand.self, EmbedCommand.self, BlindPairsCommand.self,
                      TokenizeCommand.self, ZeroShotCommand.self, SimilarityCommand.self, PreprocessCommand.self, InspectCommand.self,
                      TraceCommand.self, DiffCommand.self, CogVLMLayersCommand.self, CogVLMVisionCommand.self,
                      BenchCommand.self]
    )

    public init() {}
}
