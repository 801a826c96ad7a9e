"""CISTEM, the German stemmer of Weissweiler & Fraser (2017), case-insensitive.

The same algorithm as ``nltk.stem.cistem.Cistem(case_insensitive=True)``,
written with plain string operations: nltk's version runs its patterns
through ReDoS-guarded regular-expression wrappers, which makes it about five
times slower, and indexing stems hundreds of thousands of distinct words. A
test checks that both give the same stem for every word of the compound
lexicon and of the golden files, so nltk remains the reference.

Steps: lower case, umlauts and ß folded; a leading ``ge`` before at least
four letters dropped; ``sch``, ``ei``, ``ie`` and doubled letters protected;
then the endings ``em``/``er``/``nd`` (words longer than five letters), ``t``
and ``e``/``s``/``n`` are stripped while the word is longer than three
letters.
"""

from __future__ import annotations

import re

_DOUBLE = re.compile(r"(.)\1")


def _mark_doubles(w: str) -> str:
    """``(.)\\1`` → ``\\1*`` left to right, as nltk's regex does (``aaa`` → ``a*a``)."""
    out = []
    i, n = 0, len(w)
    while i < n:
        c = w[i]
        if i + 1 < n and w[i + 1] == c:
            out.append(c + "*")
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _unmark_doubles(w: str) -> str:
    """``(.)\\*`` → ``\\1\\1``: each ``*`` repeats the letter before it."""
    out = []
    i, n = 0, len(w)
    while i < n:
        c = w[i]
        if i + 1 < n and w[i + 1] == "*":
            out.append(c + c)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def stem(word: str) -> str:
    """The CISTEM stem of ``word`` (case-insensitive variant)."""
    if not word:
        return word
    w = word.lower().replace("ü", "u").replace("ö", "o").replace("ä", "a").replace("ß", "ss")
    if w.startswith("ge") and len(w) >= 6:
        w = w[2:]
    w = w.replace("sch", "$").replace("ei", "%").replace("ie", "&")
    if len(w) > 1 and _DOUBLE.search(w):
        w = _mark_doubles(w)
    n = len(w)
    end = n
    while end > 3:
        if end > 5 and w[end - 2] == "e" and w[end - 1] in "mr":
            end -= 2
            continue
        if end > 5 and w[end - 2] == "n" and w[end - 1] == "d":
            end -= 2
            continue
        if w[end - 1] in "tesn":
            end -= 1
            continue
        break
    w = w[:end]
    if "*" in w:
        w = _unmark_doubles(w)
    return w.replace("%", "ei").replace("&", "ie").replace("$", "sch")
