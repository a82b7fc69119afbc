#!/usr/bin/env python3
"""Instructions per session from callgrind files, by library and by function.

    callgrind-per-session.py SESSIONS BIG.out [SMALL.out] [--top K] [--json FILE]

With one file: every instruction in it, divided by SESSIONS (a dump taken with
`callgrind_control -z` before and `-d` after SESSIONS sessions: the emulator's case).
With two: BIG minus SMALL, divided by SESSIONS (two client runs that differ only by SESSIONS
sessions: start-up, inventory reading and the report cancel out).

Self cost per function is read from the raw file (callgrind_annotate 3.19 misreads dumps taken
after `callgrind_control -z`). Files must be written with --compress-strings=no
--compress-pos=no or normally (both are handled). Groups: the crate a Rust function's source
file belongs to, libssh2 (its C sources), the shared object otherwise (libcrypto, libc), with
libc's allocator and mem* functions split out.
"""

import collections
import json
import re
import signal
import sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends the output quietly

ALLOC = {
    "malloc", "free", "calloc", "realloc", "_int_malloc", "_int_free", "_int_realloc",
    "malloc_consolidate", "cfree", "tcache_init", "unlink_chunk", "__libc_malloc",
    "__libc_free", "__libc_calloc", "__libc_realloc", "sysmalloc", "_int_free_merge_chunk",
    "_int_free_create_chunk", "_int_free_maybe_consolidate", "alloc_perturb", "checked_request2size",
    "__rust_alloc", "__rust_dealloc", "__rust_realloc", "__rust_alloc_zeroed",
    "__rdl_alloc", "__rdl_dealloc", "__rdl_realloc",
}


CALLS = ("malloc", "calloc", "realloc", "free", "getpid", "recv", "send", "poll",
         "epoll_wait", "RAND_bytes", "EVP_PKEY_CTX_new_id", "EVP_DigestInit_ex", "EVP_CIPHER_fetch",
         "EVP_MD_fetch")


def parse(path, calls=None):
    """{(object, file, function): self Ir}; `calls`, if given, counts calls by callee name."""
    names = {"ob": {}, "fl": {}, "fn": {}}
    cost = collections.Counter()
    ob = fl = fn = None
    cfn = None
    skip_next = False

    def name(kind, raw):
        raw = raw.strip()
        m = re.match(r"\((\d+)\)(?:\s+(.*))?$", raw)
        if not m:
            return raw
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
            return m.group(2)
        return names[kind].get(m.group(1), raw)

    with open(path, errors="replace") as f:
        for line in f:
            c = line[:1]
            if c.isdigit() or c in "+-*":
                if skip_next:
                    skip_next = False
                    continue
                parts = line.split()
                if len(parts) >= 2 and fn is not None:
                    cost[(ob, fl, fn)] += int(parts[1])
                continue
            if line.startswith("ob="):
                ob = name("ob", line[3:])
            elif line.startswith("fl="):
                fl = name("fl", line[3:])
            elif line.startswith(("fi=", "fe=")):
                name("fl", line[3:])  # inlined file: cost stays with fn
            elif line.startswith("fn="):
                fn = name("fn", line[3:])
            elif line.startswith(("cob=", "cfi=", "cfl=")):
                name("ob" if line.startswith("cob") else "fl", line[4:])
            elif line.startswith("cfn="):
                cfn = name("fn", line[4:])
            elif line.startswith("calls="):
                skip_next = True
                if calls is not None and cfn is not None:
                    calls[cfn] += int(line[6:].split()[0])
    return cost


def group(ob, fl, fn):
    obj = (ob or "?").rsplit("/", 1)[-1]
    base = fn.split("'")[0]
    if base in ALLOC or re.match(r"_?_?(libc_)?(malloc|free|realloc|calloc)", base):
        return "malloc/free"
    if re.match(r"__(memcpy|memmove|memset|memcmp|bcmp|strlen|strcmp)|^(memcpy|memset|memmove)", base):
        return "libc mem*/str*"
    path = fl or ""
    # A Rust function's crate, from its name (monomorphised code often has a std file path).
    m = re.match(r"^<*&?(?:mut )?([a-z_][a-z0-9_]*)::", fn)
    if m and m.group(1) not in ("core", "alloc", "std", "__rustc"):
        return m.group(1).replace("_", "-") if m.group(1) != "ring_core_0_17_14" else "ring"
    if re.match(r"ring_core_", base):
        return "ring"
    if re.search(r"libssh2-sys[^/]*/libssh2/src/", path):
        return "libssh2 (C)"
    if re.search(r"openssl-(src[^/]*/openssl|build/build/src)/", path) or base.startswith(("ossl_", "EVP_", "OSSL_")):
        return "libcrypto (OpenSSL)"
    m = re.search(r"/registry/src/[^/]+/([A-Za-z0-9_\-]+?)-\d+\.\d+\.\d+", path)
    if m:
        return m.group(1)
    if "/rustc/" in path:
        return "rust std"
    if "/src/" in path and "/registry/" not in path and obj.startswith("fleetbench"):
        return "fleetbench"
    if obj.startswith("libcrypto"):
        return "libcrypto (OpenSSL)"
    if obj.startswith("libc.so") or obj.startswith("ld-linux"):
        return "libc other"
    return obj


def main():
    args = sys.argv[1:]
    top = 25
    out_json = None
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    if "--json" in args:
        i = args.index("--json")
        out_json = args[i + 1]
        del args[i:i + 2]
    sessions = int(args[0])
    calls = collections.Counter()
    big = parse(args[1], calls)
    if len(args) > 2:
        small_calls = collections.Counter()
        small = parse(args[2], small_calls)
        big.subtract(small)
        calls.subtract(small_calls)
    total = sum(big.values())
    groups = collections.Counter()
    for (ob, fl, fn), v in big.items():
        groups[group(ob, fl, fn)] += v
    per = lambda v: v / sessions
    print(f"instructions per session: {per(total):,.0f}  ({sessions} sessions)")
    print("by library:")
    for g, v in groups.most_common():
        if abs(per(v)) >= 1000:
            print(f"  {per(v):>12,.0f}  {100 * v / total:5.1f}%  {g}")
    print("calls per session: " + ", ".join(
        f"{k} {calls[k] / sessions:.1f}" for k in CALLS if calls.get(k)))
    print(f"top {top} functions (self):")
    fns = collections.Counter()
    for (ob, fl, fn), v in big.items():
        obj = (ob or "?").rsplit("/", 1)[-1]
        fns[f"{fn[:110]} [{obj}]"] += v
    for f, v in fns.most_common(top):
        print(f"  {per(v):>12,.0f}  {100 * v / total:5.1f}%  {f}")
    if out_json:
        with open(out_json, "w") as f:
            json.dump({"sessions": sessions, "per_session": per(total),
                       "groups": {g: per(v) for g, v in groups.items()},
                       "calls": {k: calls[k] / sessions for k in CALLS if calls.get(k)},
                       "functions": {k: per(v) for k, v in fns.most_common(200)}}, f, indent=1)


if __name__ == "__main__":
    main()
