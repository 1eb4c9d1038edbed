#!/usr/bin/env python3
"""btf_offset.py FILE TYPE MEMBER[.MEMBER...]: the byte offset of a member
path in a BTF file, through embedded structs, anonymous or behind typedefs
(gnutls_session_int internals.transport_recv_ptr), and array elements
(internals.ext_data[10].priv). TYPE names a struct or a typedef of one. Prints nothing and exits 1 when the path does not resolve."""
import json
import subprocess
import sys


def main():
    path, root, members = sys.argv[1], sys.argv[2], sys.argv[3].split(".")
    dump = subprocess.run(["bpftool", "-j", "btf", "dump", "file", path],
                          check=True, capture_output=True, text=True).stdout
    types = {t["id"]: t for t in json.loads(dump)["types"]}

    def resolve(tid):
        t = types[tid]
        while t["kind"] in ("TYPEDEF", "CONST", "VOLATILE"):
            t = types[t["type_id"]]
        return t

    named = [t for t in types.values()
             if t.get("name") == root and t["kind"] in ("STRUCT", "TYPEDEF")]
    structs = {resolve(t["id"])["id"]: resolve(t["id"]) for t in named}
    structs = [t for t in structs.values() if t["kind"] == "STRUCT"]
    if len(structs) != 1:
        sys.exit(1)
    def size(t):
        if t["kind"] == "ARRAY":
            return t["nr_elems"] * size(resolve(t["type_id"]))
        return 8 if t["kind"] == "PTR" else t["size"]

    t, bits = structs[0], 0
    for m in members:
        name, _, index = m.partition("[")
        found = [x for x in t.get("members", []) if x["name"] == name]
        if len(found) != 1:
            sys.exit(1)
        bits += found[0]["bits_offset"]
        t = resolve(found[0]["type_id"])
        if index:	# an element: name[N]
            n = int(index.rstrip("]"))
            if t["kind"] != "ARRAY" or n >= t["nr_elems"]:
                sys.exit(1)
            t = resolve(t["type_id"])
            bits += n * size(t) * 8
    print(bits // 8)


main()
