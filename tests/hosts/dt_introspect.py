"""Print the params layouts of installed darktable modules as JSON (run in a subprocess).

Every darktable module library exports ``get_introspection()``: the params struct's version,
size and fields (name, type, offset) that darktable itself derives from the C source. Loading the
libraries needs ``libdarktable.so`` but no running darktable; a subprocess keeps it out of pytest.
"""
from __future__ import annotations

import ctypes
import glob
import json
import struct
import sys

TYPES = ["NONE", "OPAQUE", "FLOAT", "DOUBLE", "FLOATCOMPLEX", "CHAR", "INT8", "UINT8", "SHORT",
         "USHORT", "INT", "UINT", "LONG", "ULONG", "BOOL", "ARRAY", "ENUM", "STRUCT", "UNION"]


def _read(addr: int, fmt: str) -> tuple:
    return struct.unpack(fmt, ctypes.string_at(addr, struct.calcsize(fmt)))


def _str(ptr: int) -> str | None:
    return ctypes.string_at(ptr).decode() if ptr else None


def main(modules: list[str]) -> None:
    base = sorted(glob.glob("/usr/lib/*/darktable/libdarktable.so"))[0].rsplit("/", 1)[0]
    ctypes.CDLL(f"{base}/libdarktable.so", mode=ctypes.RTLD_GLOBAL)
    out = {}
    for name in modules:
        lib = ctypes.CDLL(f"{base}/plugins/lib{name}.so")
        lib.get_introspection.restype = ctypes.c_void_p
        scratch = ctypes.create_string_buffer(1 << 14)  # stands in for dt_iop_module_so_t
        lib.introspection_init(scratch, 8)
        intro = lib.get_introspection()
        _api, version, _tn, size, field = _read(intro, "<iiQQQ")
        # the struct field: header (64 bytes) then entries (size_t) and fields (pointer array)
        entries, fields_ptr = _read(field + 64, "<QQ")
        fields = []
        for i in range(entries):
            child = _read(fields_ptr + 8 * i, "<Q")[0]
            kind, _pad, _tn, _name, field_name, _desc, fsize, offset, _so = _read(
                child, "<iiQQQQQQQ")
            fields.append({"name": _str(field_name), "type": TYPES[kind], "size": fsize,
                           "offset": offset})
        out[name] = {"version": version, "size": size, "fields": fields}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
