#!/usr/bin/env python3
"""The petition-sample/v1 draw, written from the pseudo-code of the transparency log format
(docs/transparency.md, "Verification and certificate") alone, with nothing but hashlib: a second
implementation, independent of the Rust one in tlog/src/sample.rs, to check the known answers in
sample-v1.txt beside this script.

    python3 sample_v1.py            check every vector in sample-v1.txt; exit 1 on a mismatch
    python3 sample_v1.py --write    write sample-v1.txt from VECTORS below (done once: the
                                    answers are fixed by the format and never change)
    python3 sample_v1.py --offset   print the draw offsets that tlog/src/sample/tests.rs pins
                                    for a b near 2^63, where about half the attempts are refused
"""

import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FILE = os.path.join(HERE, "sample-v1.txt")

# (id, seed hex, V, first, step): C = first, first + step, ..., first + (V - 1) * step.
VECTORS = [
    ("7", "00" * 32, 0, 0, 1),
    ("7", "00" * 32, 3, 1, 2),
    ("7", "00" * 32, 499, 0, 1),
    ("7", "00" * 32, 600, 1, 2),
    ("petition-42", "ff" * 32, 501, 0, 1),
    ("petition-42", bytes(range(32)).hex(), 20000, 1, 2),
    ("a_B-9", hashlib.sha256(b"national-lottery-2027-03-06 4 11 23 35 47 58").hexdigest(), 16667, 10, 3),
]

HEADER = """\
# Known answers for the petition-sample/v1 draw (transparency log format, "Verification and
# certificate"). Written by sample_v1.py, beside this file, an implementation of the format's
# pseudo-code in Python with hashlib alone; checked by tlog/tests/sample_vectors.rs against the Rust
# implementation (tlog/src/sample.rs). `python3 sample_v1.py` checks them again.
#
# Plain text, ASCII. Lines starting with # and blank lines are comments. Each vector is five lines,
# in this order, each a keyword, a space and values separated by single spaces:
#
#   id <petition id>
#   seed <the seed: 64 lower-case hex digits, as in sample/v1>
#   candidates <V> <first> <step>   the candidate list C: the V leaf indexes first + step * i,
#                                   for i = 0 .. V - 1 (ascending, as the format takes C)
#   n <the sample size, min(V, max(500, ceil(3 * V / 100)))>
#   sample <the n sampled leaf indexes, ascending>   ("sample" alone when n = 0)
"""


def sample_size(v):
    return min(v, max(500, -(-3 * v // 100)))  # ceil(3V / 100), in integers


def draw(pid, seed, c):
    c = sorted(c)
    v = len(c)
    n = sample_size(v)
    for i in range(n):
        b = v - i
        k = 0
        while True:
            h = hashlib.sha256(
                b"petition-sample/v1" + b"\n" + pid.encode() + b"\n" + seed + i.to_bytes(4, "big") + k.to_bytes(4, "big")
            ).digest()
            x = int.from_bytes(h[0:8], "big")
            if x < 2**64 - (2**64 % b):
                j = i + (x % b)
                break
            k += 1
        c[i], c[j] = c[j], c[i]
    return sorted(c[0:n])


def block(pid, seed_hex, v, first, step):
    c = [first + step * i for i in range(v)]
    s = draw(pid, bytes.fromhex(seed_hex), c)
    return "\n".join(
        [
            f"id {pid}",
            f"seed {seed_hex}",
            f"candidates {v} {first} {step}",
            f"n {len(s)}",
            " ".join(["sample"] + [str(x) for x in s]),
        ]
    )


def write():
    with open(FILE, "w", newline="\n") as f:
        f.write(HEADER + "\n" + "\n\n".join(block(*vec) for vec in VECTORS) + "\n")


def check():
    lines = [l for l in open(FILE).read().split("\n") if l and not l.startswith("#")]
    if len(lines) % 5:
        sys.exit(f"{FILE}: {len(lines)} lines is not a whole number of vectors")
    for at in range(0, len(lines), 5):
        f = [l.split(" ") for l in lines[at : at + 5]]
        keys = [x[0] for x in f]
        if keys != ["id", "seed", "candidates", "n", "sample"]:
            sys.exit(f"vector {at // 5 + 1}: lines {keys}")
        pid, seed_hex = f[0][1], f[1][1]
        v, first, step = (int(x) for x in f[2][1:])
        want = block(pid, seed_hex, v, first, step)
        if want != "\n".join(lines[at : at + 5]):
            sys.exit(f"vector {at // 5 + 1} ({pid}, V = {v}) does not match the pseudo-code")
        print(f"ok: id {pid}, V = {v}, n = {f[3][1]}")


def offsets():
    # The offset at step i for b = 2^63 + 1: 2^64 mod b = 2^63 - 1, so x is kept only below
    # 2^63 + 1, and about half the attempts are refused.
    b = 2**63 + 1
    for i in range(8):
        k = 0
        while True:
            h = hashlib.sha256(b"petition-sample/v1\n7\n" + bytes(32) + i.to_bytes(4, "big") + k.to_bytes(4, "big"))
            x = int.from_bytes(h.digest()[0:8], "big")
            if x < 2**64 - (2**64 % b):
                break
            k += 1
        print(f"i {i}: attempt k = {k}, offset {x % b}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    elif sys.argv[1:] == ["--offset"]:
        offsets()
    elif sys.argv[1:] == []:
        check()
    else:
        sys.exit(__doc__)
