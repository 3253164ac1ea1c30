// The umbrella module: `import VLBlocks` brings in every library target.
@_exported public import VLCore
@_exported public import VLPatchEmbedding
@_exported public import VLAttention
@_exported public import VLTransformer
@_exported public import VLConnectors
@_exported public import VLFeatureMixing
@_exported public import VLFusion
@_exported public import VLImage
@_exported public import VLText
@_exported public import VLRetrieval
