#!/usr/bin/env python3
"""Independent reference for the kernels' known answers; writes assembly/cases.json.

It shares no code with the AssemblyScript kernels or their TypeScript fallbacks, so a
bug in either cannot leak into the expected values. Standard library only.

    python3 assembly/cases.reference.py > assembly/cases.json
"""
import json
import math
import re
import struct
import sys

MASK32 = 0xFFFFFFFF
BUCKETS = 10000


def rotl32(x, r):
    return ((x << r) | (x >> (32 - r))) & MASK32


def fmix32(h):
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK32
    h ^= h >> 16
    return h


def murmur3_x86_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3_x86_32 as in Austin Appleby's MurmurHash3.cpp (blocks read little-endian)."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & MASK32
    nblocks = len(data) // 4
    for i in range(nblocks):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * c1) & MASK32
        k = rotl32(k, 15)
        k = (k * c2) & MASK32
        h ^= k
        h = rotl32(h, 13)
        h = (h * 5 + 0xE6546B64) & MASK32
    tail = data[4 * nblocks:]
    k = 0
    if len(tail) >= 3:
        k ^= tail[2] << 16
    if len(tail) >= 2:
        k ^= tail[1] << 8
    if len(tail) >= 1:
        k ^= tail[0]
        k = (k * c1) & MASK32
        k = rotl32(k, 15)
        k = (k * c2) & MASK32
        h ^= k
    h ^= len(data) & MASK32
    return fmix32(h)


def f32(x: float) -> float:
    """Round to the nearest float32, as a Float32Array would store it."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def cosine(a, b) -> float:
    """Cosine in double precision over float32 inputs; 0 when either vector has zero norm."""
    dot = sum(x * y for x, y in zip(a, b))
    na = sum(x * x for x in a)
    nb = sum(y * y for y in b)
    if na == 0 or nb == 0:
        return 0.0
    return dot / math.sqrt(na * nb)


def rank_key(scores, i):
    s = scores[i]
    # NaN ranks with -Infinity; ties go to the lower index.
    return (-(-math.inf if math.isnan(s) else s), i)


def top_k(scores, k, exclude=None):
    candidates = [i for i in range(len(scores)) if not (exclude and exclude[i])]
    return sorted(candidates, key=lambda i: rank_key(scores, i))[:max(k, 0)]


# --- hash vectors -----------------------------------------------------------------------

HASH_STRINGS = [
    ("", 0),
    ("hello", 0),
    ("The quick brown fox jumps over the lazy dog", 0),
    ("a", 0),
    ("ab", 0),
    ("abc", 0),
    ("abcd", 0),
    ("abcde", 0),
    ("café", 0),
    ("naïve résumé", 0),
    ("日本語", 0),
    ("日本語テキスト", 0),
    ("😀", 0),
    ("👩‍💻 ship it", 0),
    ("exp-checkout:user-42", 0),
    ("exp-checkout:user-43", 0),
    ("hello", 1),
    ("hello", 0x9747B28C),
    ("café", 42),
    ("日本語", 0xFFFFFFFF),
    ("😀", 7),
    ("The quick brown fox jumps over the lazy dog", 0x9747B28C),
]

BUCKET_PAIRS = [
    ("exp-checkout", "user-42"),
    ("exp-checkout", "user-43"),
    ("homepage-recs", "anon-1f3a9c"),
    ("homepage-recs", "josé"),
    ("実験", "ユーザー"),
    ("exp", "🙂"),
    ("", ""),
]


def hash_cases():
    out = []
    for s, seed in HASH_STRINGS:
        h = murmur3_x86_32(s.encode("utf-8"), seed)
        case = {"input": s, "seed": seed, "hash": h}
        if seed == 0:
            case["bucket"] = h % BUCKETS
        out.append(case)
    return out


def bucket_cases():
    out = []
    for exp, user in BUCKET_PAIRS:
        h = murmur3_x86_32(f"{exp}:{user}".encode("utf-8"), 0)
        out.append({"experimentId": exp, "userId": user, "bucket": h % BUCKETS})
    return out


# --- similarity ------------------------------------------------------------------------

def vec(*xs):
    return [f32(x) for x in xs]


COSINE_PAIRS = [
    ("identical", vec(1, 2, 3), vec(1, 2, 3)),
    ("orthogonal", vec(1, 0, 0, 0), vec(0, 1, 0, 0)),
    ("opposite", vec(1, -2, 3, -4), vec(-1, 2, -3, 4)),
    ("scaled", vec(0.5, 0.25, 0.125, 1, 2), vec(1, 0.5, 0.25, 2, 4)),
    ("zero-norm", vec(0, 0, 0), vec(1, 2, 3)),
    ("dim-1", vec(-3), vec(2)),
    ("dim-5-tail", vec(0.1, 0.2, 0.3, 0.4, 0.5), vec(0.5, 0.4, 0.3, 0.2, 0.1)),
    ("dim-7-tail", vec(1, 2, 3, 4, 5, 6, 7), vec(7, -6, 5, -4, 3, -2, 1)),
    ("dim-8", vec(0.3, -0.1, 0.7, 0.2, -0.5, 0.9, 0.05, -0.33),
     vec(0.6, 0.2, -0.4, 0.8, 0.1, -0.7, 0.25, 0.5)),
    ("dim-17", vec(*[math.sin(i + 1) for i in range(17)]), vec(*[math.cos(i * 0.5) for i in range(17)])),
    ("dim-33", vec(*[(i % 5) - 2 + i / 40 for i in range(33)]), vec(*[((i * 7) % 11) / 10 - 0.5 for i in range(33)])),
]


def cosine_cases():
    return [{"name": n, "a": a, "b": b, "cosine": cosine(a, b)} for n, a, b in COSINE_PAIRS]


def score_all_cases():
    # Rows are distinct enough that float32 rounding cannot reorder them; rows 1 and 4 are
    # bit-identical, so their scores tie exactly and the lower index must come first.
    dim = 6
    query = vec(0.9, 0.1, -0.3, 0.4, 0.0, 0.2)
    rows = [
        vec(0.1, 0.9, 0.2, -0.4, 0.3, 0.0),
        vec(0.8, 0.2, -0.2, 0.5, 0.1, 0.1),
        vec(-0.9, -0.1, 0.3, -0.4, 0.0, -0.2),
        vec(0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        vec(0.8, 0.2, -0.2, 0.5, 0.1, 0.1),
        vec(0.5, 0.5, 0.5, 0.5, 0.5, 0.5),
        vec(0.9, 0.1, -0.3, 0.4, 0.0, 0.25),
    ]
    scores = [cosine(query, r) for r in rows]
    return [{
        "name": "seven-rows-with-tie",
        "dim": dim,
        "n": len(rows),
        "query": query,
        "matrix": [x for r in rows for x in r],
        "scores": scores,
        "topK": {str(k): top_k(scores, k) for k in (1, 3, 7, 10)},
    }]


TOPK_CASES = [
    ("descending", [0.1, 0.9, 0.5, 0.7, 0.3], 3, None),
    ("ties-lower-index-first", [0.5, 0.9, 0.5, 0.9, 0.5], 4, None),
    ("all-equal", [1, 1, 1, 1], 2, None),
    ("k-greater-than-n", [0.2, -0.1, 0.4], 10, None),
    ("k-zero", [0.2, 0.4], 0, None),
    ("empty", [], 5, None),
    ("negatives-and-infinities", [-1, -math.inf, -0.5, math.inf, 0], 5, None),
    ("nan-ranks-last", [float("nan"), 0.3, -math.inf, 0.1], 4, None),
    ("mask-excludes", [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], 3, [1, 0, 1, 0, 0, 0]),
    ("mask-excludes-all-but-one", [0.9, 0.8, 0.7], 3, [1, 1, 0]),
]


def json_number(x):
    # JSON has no Infinity/NaN; the tests decode these strings.
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def top_k_cases():
    out = []
    for name, scores, k, exclude in TOPK_CASES:
        s32 = [f32(x) for x in scores]
        case = {"name": name, "scores": [json_number(x) for x in s32], "k": k,
                "expected": top_k(s32, k, exclude)}
        if exclude is not None:
            case["exclude"] = exclude
        out.append(case)
    return out


def main():
    cases = {
        "about": "Known answers for assembly/*.ts and server/kernels/*.ts. Generated by "
                 "assembly/cases.reference.py (independent Python reference); do not edit by hand.",
        "hash": {
            "algorithm": "murmur3_x86_32 over the UTF-8 bytes; bucket = hash % 10000 (seed 0 only)",
            "vectors": hash_cases(),
            "buckets": bucket_cases(),
        },
        "similarity": {
            "cosineTolerance": 1e-6,
            "cosine": cosine_cases(),
            "scoreAll": score_all_cases(),
            "topK": top_k_cases(),
        },
    }
    text = json.dumps(cases, ensure_ascii=False, indent=2)
    # Keep each vector or index list on one line so the file stays reviewable.
    text = re.sub(r"\[\s*([^\[\]{}]*?)\s*\]", lambda m: "[" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "]", text)
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
