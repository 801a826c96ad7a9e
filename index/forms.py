"""Word forms: which folded words an article has, as a small Bloom filter.

Stemming conflates ``Zoll``, ``Zölle`` and ``Zöllen``; the index finds them
all by one term. But a query that uses a word's exact form (a headline, a
question quoting the article) is better served by the articles that use that
form too. The exact-form signal: each article keeps the set of its distinct
folded word forms (``fold``: case, umlauts and ß do not matter; no stemming;
stopwords left out) as a Bloom filter in a column, and the ranking's second
phase adds a bonus for each query form an article has
(:func:`search.ranking.proximity_bonus`).

A Bloom filter of :data:`BITS_PER_FORM` bits per form with :data:`HASHES`
hash functions answers "does the article have this form?" with no false
negatives and about 2.4 % false positives, in about a byte per form (an
article has about 320 distinct forms): the column adds about 0.05× the
corpus text to the index, where a field of forms with positions would add
0.6× (measured, ``docs/architecture.md``).

The hashes are CRC-32 of the form's UTF-8 bytes (two seeds; double
hashing), the same on every machine and Python, so an index stays valid.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np

from .normalize import STOPWORDS, fold, fold_stopword

#: the column of each document's filter, and the text field whose words it holds
FORMS_COLUMN = "forms"
FORMS_SOURCE = "text"
#: bits of a filter per distinct form, and bit positions set per form
BITS_PER_FORM = 8
HASHES = 4
#: the smallest filter (bits); filters are whole bytes
MIN_BITS = 64
#: longer forms are not kept (no word is that long; a run of letters is not a word)
MAX_FORM = 64
_SEED = 0x5BD1E995


def form_of(word: str) -> str:
    """The form a word (one piece of a token, see :func:`index.analysis.token_forms`)
    is kept as: folded, ``""`` for a stopword, a single letter or an overlong run."""
    if fold_stopword(word) in STOPWORDS:
        return ""
    folded = fold(word)
    if len(folded) > MAX_FORM or not folded or (len(folded) == 1 and not folded.isdigit()):
        return ""
    return folded


def form_hash(form: str) -> tuple[int, int]:
    """The two hashes of a form (the second one odd, so its steps cover every bit)."""
    data = form.encode("utf-8", "surrogatepass")
    return zlib.crc32(data), zlib.crc32(data, _SEED) | 1


def bloom(h1: np.ndarray, h2: np.ndarray) -> bytes:
    """The filter of the distinct forms whose hashes are ``h1`` and ``h2`` (uint64 arrays)."""
    return blooms(np.zeros(len(h1), dtype=np.int64), h1, h2, 1)[0]


def blooms(doc: np.ndarray, h1: np.ndarray, h2: np.ndarray, ndocs: int) -> list[bytes]:
    """The filters of ``ndocs`` documents at once: document ``doc[j]`` has the
    form whose hashes are ``h1[j]`` and ``h2[j]`` (each (doc, form) once)."""
    count = np.bincount(doc, minlength=ndocs)
    bits = np.maximum(MIN_BITS, -(-count * BITS_PER_FORM // 8) * 8)
    bits[count == 0] = 0
    ends = np.cumsum(bits)
    starts = ends - bits
    where = _bit_positions(h1, h2, bits[doc].astype(np.uint64))
    flags = np.zeros(int(ends[-1]) if ndocs else 0, dtype=bool)
    flags[(where + starts[doc].astype(np.uint64)[:, None]).ravel()] = True
    packed = np.packbits(flags, bitorder="little").tobytes()
    return [packed[a:b] for a, b in zip((starts // 8).tolist(), (ends // 8).tolist(), strict=True)]


def _bit_positions(h1: np.ndarray, h2: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """The bits a form sets in a filter of ``bits`` bits (arrays that
    broadcast; one more axis, the :data:`HASHES` hash functions, is added):
    ``(h1 + i * h2) mod bits`` for ``i`` in ``0 .. HASHES - 1`` (double hashing).
    The one definition, for writing filters and for testing them."""
    steps = np.arange(HASHES, dtype=np.uint64)
    where: np.ndarray = (h1[..., None] + steps * h2[..., None]) % np.maximum(bits, 1)[..., None]
    return where


def bloom_of(forms: Iterable[str]) -> bytes:
    """The filter of some forms (for tests and small inputs; the index writer
    hashes each distinct form once and makes many documents' filters at once
    with :func:`blooms`)."""
    return bloom(*_hash_arrays(sorted({form_hash(f) for f in forms if f})))


def _hash_arrays(hashes: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The first and the second hashes of some forms, as two uint64 arrays."""
    h1 = np.array([a for a, _ in hashes], dtype=np.uint64)
    h2 = np.array([b for _, b in hashes], dtype=np.uint64)
    return h1, h2


def has_forms(filters: list[bytes], hashes: list[tuple[int, int]]) -> np.ndarray:
    """A (filters × forms) boolean array: does filter ``i`` (probably) hold form ``j``?

    An empty filter (an article indexed without the column, or with no
    words) holds nothing.
    """
    out = np.zeros((len(filters), len(hashes)), dtype=bool)
    if not filters or not hashes:
        return out
    sizes = np.array([len(f) * 8 for f in filters], dtype=np.uint64)
    full = sizes > 0
    if not full.any():
        return out
    data = np.frombuffer(b"".join(filters), dtype=np.uint8)
    starts = np.concatenate([[0], np.cumsum(sizes // 8)[:-1]]).astype(np.int64)
    h1, h2 = _hash_arrays(hashes)
    # the bits of each filter (rows), form (columns) and hash function
    where = _bit_positions(h1[None, :], h2[None, :], sizes[:, None])
    byte = starts[:, None, None] + (where >> np.uint64(3)).astype(np.int64)
    byte = np.minimum(byte, max(len(data) - 1, 0))
    bit = (data[byte] >> (where & np.uint64(7)).astype(np.uint8)) & 1
    out = np.asarray(bit.all(axis=2), dtype=bool)
    out[~full] = False
    return out
