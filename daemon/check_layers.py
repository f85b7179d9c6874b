#!/usr/bin/env python3
"""Refuses an include that runs upward between daemon/'s layers (docs/ARCHITECTURE.md).

Usage: check_layers.py STAMP  Reads every header and source in the layer folders beside
this script; writes STAMP when every include keeps to the layers below its own, and
otherwise names each offending include and exits 1.
"""
import glob
import os
import re
import sys

# Each layer and the layers it may include, besides itself and proto/.
BELOW = {
    "engine": set(),
    "config": {"engine"},
    "storage": {"engine", "config"},
    "transfer": {"engine", "config", "storage"},
    "port": {"engine", "config"},
    "native": {"engine", "config", "storage", "transfer", "port"},
    "web": {"engine", "config", "storage", "transfer", "port"},
    "control": {"engine", "config", "storage", "transfer"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


HERE = os.path.dirname(os.path.abspath(__file__))


def layer_of(path):
    """The layer folder a source lies in, or None for the wiring on top."""
    parts = os.path.relpath(os.path.abspath(path), HERE).split(os.sep)
    return parts[0] if len(parts) > 1 and parts[0] in BELOW else None


def main():
    stamp = sys.argv[1]
    sources = sorted(glob.glob(os.path.join(HERE, "*", "*.[ch]pp")))
    problems = []
    for source in sources:
        layer = layer_of(source)
        if layer is None:
            continue
        with open(source, encoding="utf-8") as f:
            text = f.read()
        for match in INCLUDE.finditer(text):
            name = match.group(1)
            # A header of proto/ (no folder) or of this layer; "daemon.hpp" is the top.
            target = name.split("/")[0] if "/" in name else ("top" if name == "daemon.hpp" else None)
            if target is None or target == layer or target not in BELOW and target != "top":
                continue
            if target not in BELOW[layer]:
                line = text.count("\n", 0, match.start()) + 1
                problems.append(
                    f'{source}:{line}: {layer}/ may not include "{match.group(1)}" '
                    f"({target}/ is not below it)"
                )
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    with open(stamp, "w", encoding="utf-8") as f:
        f.write("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
