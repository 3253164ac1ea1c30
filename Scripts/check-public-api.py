#!/usr/bin/env python3
"""Fails when a public declaration of a VLBlocks library target takes or returns a pointer.

Reads the symbol graphs of `swift package dump-symbol-graph --minimum-access-level public` and lists every public
declaration whose signature mentions an unsafe pointer or buffer pointer type, except the closure-scoped accessors
(`withUnsafe...`, initialisers `...initializingWith:`) that Array has as well. Usage (from the repository root):

    swift package dump-symbol-graph --minimum-access-level public
    python3 Scripts/check-public-api.py [.build/x86_64-unknown-linux-gnu/symbolgraph]
"""
import glob
import json
import os
import sys

LIBRARIES = ["VLCore", "VLPatchEmbedding", "VLAttention", "VLTransformer", "VLConnectors", "VLFeatureMixing", "VLImage", "VLBlocks"]
POINTERS = ("UnsafePointer", "UnsafeMutablePointer", "UnsafeBufferPointer", "UnsafeMutableBufferPointer",
            "UnsafeRawPointer", "UnsafeMutableRawPointer", "UnsafeRawBufferPointer", "UnsafeMutableRawBufferPointer",
            "OpaquePointer")


def closure_scoped(name):
    return name.startswith("withUnsafe") or "initializingWith:" in name


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else glob.glob(".build/*/symbolgraph")[0]
    offenders, checked = [], 0
    for library in LIBRARIES:
        for path in glob.glob(os.path.join(folder, f"{library}.symbols.json")) + glob.glob(os.path.join(folder, f"{library}@*.symbols.json")):
            graph = json.load(open(path))
            for symbol in graph["symbols"]:
                if symbol.get("accessLevel") != "public":
                    continue
                checked += 1
                declaration = "".join(f["spelling"] for f in symbol.get("declarationFragments", []))
                name = symbol["names"]["title"]
                if any(p in declaration for p in POINTERS) and not closure_scoped(name):
                    offenders.append(f"{library}: {declaration}")
    for line in sorted(set(offenders)):
        print("pointer in public API:", line)
    print(f"{checked} public declarations checked, {len(set(offenders))} take or return pointers")
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main())
