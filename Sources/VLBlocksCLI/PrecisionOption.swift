public import ArgumentParser
public import VLBlocks

/// `--precision fp32|int8` (see ``Precision``).
extension Precision: ExpressibleByArgument {}

/// The help text every command's `--precision` option shares.
let precisionHelp = ArgumentHelp(
    "Linear layers in fp32 (default) or int8 (int8 weights per output channel, 13-bit activations per row, exact int32 sums).")
