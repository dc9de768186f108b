#!/usr/bin/env python3
"""Independent minimal safetensors reader (json + struct only) used to check that .cairn
snapshots are plain safetensors files. Usage: safetensors_read.py FILE
Prints JSON: {"header_len", "data_start", "data_len", "tensors": {name: {dtype, shape, data_offsets}},
"metadata_keys": [...], "metadata": {...}}. Exits 1 (message on stderr) if the file is not valid."""
import json
import struct
import sys

SIZES = {"I32": 4, "F16": 2, "U8": 1}


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert 8 + n <= len(blob), "header past end of file"
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in meta.values()), "metadata values must be strings"
    pos = 0
    for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, end = t["data_offsets"]
        count = 1
        for d in t["shape"]:
            count *= d
        assert begin == pos and end - begin == count * SIZES[t["dtype"]], "bad offsets: " + name
        pos = end
    assert pos == len(blob) - 8 - n, "data length mismatch"
    return {"header_len": n, "data_start": 8 + n, "data_len": pos, "tensors": header,
            "metadata_keys": sorted(meta), "metadata": meta}


if __name__ == "__main__":
    try:
        print(json.dumps(read(sys.argv[1])))
    except (AssertionError, ValueError, KeyError, struct.error) as e:
        print("invalid safetensors: %s" % e, file=sys.stderr)
        sys.exit(1)
