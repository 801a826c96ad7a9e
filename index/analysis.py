"""The German analyzer: text → tokens → index terms.

One chain serves indexing, querying, highlighting and ``zsuche analyze``:

1. **Tokens.** Words with umlauts and ß, numbers (``15``, ``1,5``, ``2025``),
   abbreviations (``z. B.``, ``U.S.``, ``EU``). Soft hyphens, zero-width
   characters and apostrophes inside a word are part of it. Offsets always
   point into the text as given, so highlighting marks the right letters.
2. **Hyphenated words** (``Friedrich-Naumann-Stiftung``) give each part at its
   own position (so ``"Naumann-Stiftung"`` is a phrase inside it) plus the
   joined word (``friedrichnaumannstiftung``) at the first part's position,
   so ``Coronakrise`` and ``Corona-Krise`` find each other.
3. **Folding** (:func:`index.normalize.fold`): case, ß, umlauts, accents and
   the transcriptions ae/oe/ue.
4. **Stopwords** are dropped but keep their position, so phrases stay exact
   about distances.
5. **Stemming**: ``snowball`` (PyStemmer, the C Snowball German stemmer),
   ``cistem`` (nltk's CISTEM, case-insensitive) or ``none``.
6. **Compound parts** (:mod:`index.compounds`), at index time only: each
   part's stem at the compound's position, so ``Zoll`` finds
   ``Importzölle`` and the hit highlights the whole compound.

Stems and splits are cached per surface word, so the analysis costs about a
dictionary look-up per token once the vocabulary is warm.

:class:`GermanAnalyzer` is the Whoosh analyzer stored in the index schema; its
import path (``index.analysis.GermanAnalyzer``) must never change, since
Whoosh pickles it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from whoosh.analysis import Analyzer, Token
from whoosh.formats import Positions

from .compounds import Splitter
from .errors import AnalysisError
from .forms import MAX_FORM, form_of
from .normalize import INVISIBLE, fold

STEMMERS = ("none", "snowball", "cistem")
DEFAULT_STEMMER = "cistem"
DEFAULT_COMPOUNDS = True

#: longest term indexed; longer "words" (URLs, garbage) are skipped (the
#: forms' bound: a word is indexed exactly when it has a form)
MAX_TERM = MAX_FORM

_JOIN = "[-‐‑_.,'’ʼ]"
#: combining marks (text not in NFC) and the invisible characters that may
#: sit inside a word (soft hyphen, zero-width marks)
_MARKS = "[\u0300-\u036f" + INVISIBLE + "]"
#: the rest of a word: letters, digits and marks. The same as
#: ``(?:[^\W_]|marks)*``, unrolled: Python's regex engine repeats an
#: alternative step by step, a character class in one C loop
_REST = rf"[^\W_]*(?:{_MARKS}[^\W_]*)*"
#: a token: ``z. B.``-style abbreviations, or word characters joined by
#: hyphens, underscores, dots, commas and apostrophes, with an optional
#: gender suffix (``Bürger*innen``, ``Lehrer:in``). Both start with a word
#: character, matched once before the two branches (the abbreviation's
#: first letter is checked behind its dot): a pattern that starts with a
#: character class lets the engine skip the text between tokens in C
#: (1.7 -> 1.1 s for 3,000 articles).
TOKEN_RE = re.compile(
    rf"[^\W_](?:\.(?<=[a-zäöüZUDVS]\.)\ [a-zA-ZÄÖÜ]\.(?!\w)"
    rf"|{_REST}(?:{_JOIN}[^\W_]{_REST}|[*:/]in(?:nen)?\b)*)"
)
_HYPHENS = re.compile(r"[-‐‑_]")
_DOTS = re.compile(r"[.,]")
_GENDER_MARK = re.compile(r"[*:/](innen|in)$")
_HAS_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

#: the analysis of one token: (positions it takes, items), each item being
#: (position offset, term, start, end, kind) with offsets into the token
_Entry = tuple[int, tuple[tuple[int, str, int, int, str], ...]]


@dataclass(frozen=True)
class TokenInfo:
    """One token of analysed text, as ``zsuche analyze`` shows it."""

    text: str  # the index term
    position: int
    start: int  # character offsets into the analysed text
    end: int
    kind: str = "word"  # word | part | joined

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "position": self.position, "start": self.start, "end": self.end}


def make_stemmer(name: str) -> Callable[[str], str]:
    """A function folded-word → stem for the named stemmer."""
    if name == "none":
        return lambda w: w
    if name == "snowball":
        try:
            import Stemmer  # PyStemmer: the C implementation

            return Stemmer.Stemmer("german").stemWord  # type: ignore[no-any-return]
        except ImportError:  # pragma: no cover - PyStemmer is a dependency
            import snowballstemmer

            return snowballstemmer.stemmer("german").stemWord  # type: ignore[no-any-return]
    if name == "cistem":
        from .cistem import stem  # nltk's CISTEM, case-insensitive, without regex guards

        return stem
    raise AnalysisError(f"unknown stemmer {name!r}", hint=f"choose one of {', '.join(STEMMERS)}")


class GermanAnalysis:
    """The analysis chain with its caches; one per configuration and process.

    Use :func:`get_analysis` to share instances.
    """

    def __init__(self, stemmer: str = DEFAULT_STEMMER, compounds: bool = DEFAULT_COMPOUNDS):
        self.stemmer_name = stemmer
        self.compounds = compounds
        self._stem = make_stemmer(stemmer)
        self._splitter: Splitter | None = None
        # surface word -> (main term or "", compound part terms...)
        self._index_cache: dict[str, tuple[str, ...]] = {}
        self._token_cache: dict[str, _Entry] = {}
        self._main_cache: dict[str, tuple[str, ...]] = {}
        self._query_token_cache: dict[str, _Entry] = {}
        self._simple: dict[str, str | tuple[str, ...]] = {}
        self._stem_cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def clear_caches(self) -> None:
        """Forget every cached analysis (a build worker frees the memory before
        it writes its segment); the results of later calls are the same."""
        for cache in (
            self._index_cache,
            self._token_cache,
            self._main_cache,
            self._query_token_cache,
            self._simple,
            self._stem_cache,
        ):
            cache.clear()
        if self._splitter is not None:
            self._splitter.clear_cache()

    # -- words -------------------------------------------------------------
    @property
    def splitter(self) -> Splitter:
        if self._splitter is None:
            with self._lock:
                if self._splitter is None:
                    self._splitter = Splitter()
        return self._splitter

    def stem(self, folded: str) -> str:
        """The stem of a folded word (numbers and words with digits stay)."""
        s = self._stem_cache.get(folded)
        if s is None:
            if _HAS_DIGIT.search(folded) or len(folded) < 3:
                s = folded
            else:
                s = self._stem(folded) or folded
            if len(self._stem_cache) > 1_000_000:
                self._stem_cache.clear()
            self._stem_cache[folded] = s
        return s

    def word_terms(self, surface: str, *, parts: bool = True) -> tuple[str, ...]:
        """Index terms of one word: ``(main, *parts)``; ``()`` for a stopword.

        ``main`` is the stem of the folded word; ``parts`` are the stems of its
        compound parts (with ``parts=True`` and compounds on; queries and
        highlighting use ``parts=False`` and never load the lexicon).
        """
        cache = self._index_cache if parts else self._main_cache
        terms = cache.get(surface)
        if terms is not None:
            return terms
        terms = self._word_terms(surface, parts)
        if len(cache) > 1_000_000:
            cache.clear()
        cache[surface] = terms
        return terms

    def _word_terms(self, surface: str, parts: bool) -> tuple[str, ...]:
        gender = (
            _GENDER_MARK.search(surface)
            if "*" in surface or ":" in surface or "/" in surface
            else None
        )
        if gender:
            base = surface[: gender.start()]
            male = self.word_terms(base, parts=parts)
            if not parts:  # a query for Bürger*innen searches Bürger, which both forms have
                return male[:1]
            female = self.word_terms(base + gender.group(1), parts=parts)
            return tuple(dict.fromkeys(t for t in (*male, *female) if t))
        # the word as the forms filter keeps it: the one rule for which words
        # count (not stopwords, single letters or overlong runs)
        folded = form_of(surface)
        if not folded:
            return ()
        main = self.stem(folded)
        if not self.compounds or not parts:
            return (main,)
        found = self.splitter.parts(folded, lowercase=surface[:1].islower())
        if not found:
            return (main,)
        stems = [main]
        for part in found:
            s = self.stem(part)
            if s not in stems:
                stems.append(s)
        return tuple(stems)

    def query_term(self, surface: str) -> str:
        """The main term a query word searches for (``""`` for a stopword)."""
        terms = self.word_terms(surface, parts=False)
        return terms[0] if terms else ""

    # -- tokens ------------------------------------------------------------
    def token_entry(self, token: str, *, parts: bool = True) -> _Entry:
        """The analysis of one token as :data:`TOKEN_RE` finds it (cached)."""
        cache = self._token_cache if parts else self._query_token_cache
        entry = cache.get(token)
        if entry is None:
            entry = self._token_entry(token, parts)
            if len(cache) > 1_000_000:
                cache.clear()
            cache[token] = entry
        return entry

    def index_items(self, token: str) -> tuple[int, list[tuple[int, str]]]:
        """What a token adds to the index: the positions it takes, and its
        (position offset, term) pairs, each pair once (the joined word of a
        hyphenated token may stem to one of its parts' terms; Whoosh's
        positions are a set).

        The analysis of :meth:`token_entry` without character offsets, and
        uncached: the index writer keeps every token's items in a compact
        table of its own.
        """
        if token.isalpha() and token.isprintable():
            # one plain word, its terms all different; not cached by word
            # either: the writer looks every token up once
            return 1, [(0, term) for term in self._word_terms(token, True)]
        npos, items = self._token_entry(token, True)
        return npos, list(dict.fromkeys((rel, term) for rel, term, _, _, _ in items))

    def _token_entry(self, token: str, parts: bool) -> _Entry:
        if token.isalpha() and token.isprintable():  # the common case: one plain word
            n = len(token)
            terms = self.word_terms(token, parts=parts)
            return 1, tuple((0, t, 0, n, "part" if i else "word") for i, t in enumerate(terms))
        if token[1:3] == ". ":  # z. B.
            terms = self.word_terms(token.replace(" ", ""), parts=False)[:1]
            return 1, tuple((0, t, 0, len(token), "word") for t in terms)
        items: list[tuple[int, str, int, int, str]] = []
        pieces = _pieces(token)
        pos = 0
        for piece, start, end in pieces:
            terms = self.word_terms(piece, parts=parts)
            for i, t in enumerate(terms):
                items.append((pos, t, start, end, "word" if i == 0 else "part"))
            pos += 1
        words = [_GENDER_MARK.sub(r"\1", p) for p, _, _ in pieces]
        if len(words) > 1 and _HYPHENS.search(token) and not _NUMBER.fullmatch(token):
            folded = "".join(fold(w) for w in words)
            if 2 <= len(folded) <= MAX_TERM and not any(t == folded for _, t, _, _, _ in items):
                items.append((0, self.stem(folded), 0, len(token), "joined"))
        items.sort(key=lambda item: item[0])  # positions must rise within a field
        return max(pos, 1), tuple(items)

    def tokens(self, text: str, *, query: bool = False) -> list[TokenInfo]:
        """Every token of ``text`` with position and character offsets.

        With ``query=True`` compound parts are left out (a query word matches
        compounds through the parts indexed with them), and the compound
        lexicon is never needed.
        """
        out: list[TokenInfo] = []
        pos = 0
        for m in TOKEN_RE.finditer(text):
            npos, items = self.token_entry(m.group(), parts=not query)
            base = m.start()
            for rel, term, s, e, kind in items:
                out.append(TokenInfo(term, pos + rel, base + s, base + e, kind))
            pos += npos
        return out

    def term_positions(self, text: str) -> dict[str, list[int]]:
        """``term → positions`` of ``text`` for indexing (the fast path).

        Tokens that are one term at one position (nearly all) take a shortcut
        through ``_simple``; stopwords are there with the term ``""``.
        """
        out: dict[str, list[int]] = {}
        out_get = out.get
        simple_get = self._simple.get
        pos = 0
        for token in TOKEN_RE.findall(text):
            simple = simple_get(token)
            if simple is not None:
                # one position: a term, "" for a stopword, or a tuple of terms
                # (a compound and its parts)
                if simple.__class__ is str:
                    if simple:
                        plist = out_get(simple)
                        if plist is None:
                            out[simple] = [pos]
                        else:
                            plist.append(pos)
                else:
                    for term in simple:
                        plist = out_get(term)
                        if plist is None:
                            out[term] = [pos]
                        else:
                            plist.append(pos)
                pos += 1
                continue
            npos, items = self.token_entry(token)
            if npos == 1:
                terms = tuple(dict.fromkeys(t for _, t, _, _, _ in items))
                self._simple[token] = terms[0] if len(terms) == 1 else (terms or "")
            for rel, term, _, _, _ in items:
                plist = out_get(term)
                if plist is None:
                    out[term] = [pos + rel]
                elif plist[-1] != pos + rel:
                    plist.append(pos + rel)
            pos += npos
        return out

    def match_keys(self, surface: str) -> tuple[str, ...]:
        """All terms a word is indexed under (for highlighting)."""
        return self.word_terms(surface)


def token_forms(token: str) -> list[str]:
    """The folded word forms of a token as :data:`TOKEN_RE` finds it, stopwords
    left out (:func:`index.forms.form_of`): ``Corona-Krise`` → ``corona``,
    ``krise``; ``Bürger*innen`` → ``burgerinnen``. The exact-form signal of
    the ranking compares these (``index/forms.py``)."""
    if token.isalpha():
        form = form_of(token)
        return [form] if form else []
    if token[1:3] == ". ":  # z. B.
        form = form_of(token.replace(" ", ""))
        return [form] if form else []
    out = []
    for piece, _, _ in _pieces(token):
        form = form_of(_GENDER_MARK.sub(r"\1", piece))
        if form and form not in out:
            out.append(form)
    return out


def _pieces(token: str) -> list[tuple[str, int, int]]:
    """Split a token into the words that get positions of their own.

    Hyphens separate words; so do dots and commas, except inside numbers
    (``1,5``, ``26.08.2025``) and abbreviations (``z.B``, ``U.S.A``), which
    stay one word. Returns (word, start, end) tuples.
    """
    if not any(c in token for c in "-‐‑_.,"):
        return [(token, 0, len(token))]
    out: list[tuple[str, int, int]] = []
    start = 0
    for h in [*_HYPHENS.finditer(token), None]:
        end = h.start() if h else len(token)
        piece = token[start:end]
        if piece:
            out.extend(_dot_pieces(piece, start))
        if h:
            start = h.end()
    return out


def _dot_pieces(piece: str, offset: int) -> list[tuple[str, int, int]]:
    if "." not in piece and "," not in piece:
        return [(piece, offset, offset + len(piece))]
    if _NUMBER.fullmatch(piece):
        return [(piece, offset, offset + len(piece))]
    parts = _DOTS.split(piece)
    if "," not in piece and all(len(p) == 1 and p.isalpha() for p in parts):
        return [(piece.replace(".", ""), offset, offset + len(piece))]
    out = []
    start = 0
    for p in parts:
        if p:
            out.append((p, offset + start, offset + start + len(p)))
        start += len(p) + 1
    return out


_ANALYSES: dict[tuple[str, bool], GermanAnalysis] = {}
_ANALYSES_LOCK = threading.Lock()


def get_analysis(
    stemmer: str = DEFAULT_STEMMER, compounds: bool = DEFAULT_COMPOUNDS
) -> GermanAnalysis:
    """The shared :class:`GermanAnalysis` for a configuration (caches are per process)."""
    key = (stemmer, compounds)
    analysis = _ANALYSES.get(key)
    if analysis is None:
        with _ANALYSES_LOCK:
            analysis = _ANALYSES.get(key)
            if analysis is None:
                analysis = GermanAnalysis(stemmer, compounds)
                _ANALYSES[key] = analysis
    return analysis


class GermanAnalyzer(Analyzer):  # type: ignore[misc]
    """The Whoosh analyzer for German text (pickled into the index schema).

    Only its configuration is pickled: the stemmer's name, whether compounds
    are split, and the analysis version. The caches live in the process.
    """

    #: bump when the terms this analyzer produces change
    VERSION = 1

    def __init__(self, stemmer: str = DEFAULT_STEMMER, compounds: bool = DEFAULT_COMPOUNDS):
        if stemmer not in STEMMERS:
            raise AnalysisError(
                f"unknown stemmer {stemmer!r}", hint=f"choose one of {', '.join(STEMMERS)}"
            )
        self.stemmer = stemmer
        self.compounds = compounds
        self.version = self.VERSION

    @property
    def analysis(self) -> GermanAnalysis:
        return get_analysis(self.stemmer, self.compounds)

    def __getstate__(self) -> dict[str, Any]:
        return {"stemmer": self.stemmer, "compounds": self.compounds, "version": self.version}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.stemmer = state.get("stemmer", DEFAULT_STEMMER)
        self.compounds = state.get("compounds", DEFAULT_COMPOUNDS)
        self.version = state.get("version", 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GermanAnalyzer) and self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash((self.stemmer, self.compounds, self.version))

    def __repr__(self) -> str:
        return f"GermanAnalyzer(stemmer={self.stemmer!r}, compounds={self.compounds})"

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        infos = self.analysis.tokens(value, query=(mode == "query"))
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for info in infos:
            t.text = info.text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[info.start : info.end]
            if positions:
                t.pos = start_pos + info.position
            if chars:
                t.startchar = start_char + info.start
                t.endchar = start_char + info.end
            yield t


class GermanPositions(Positions):  # type: ignore[misc]
    """Whoosh's ``Positions`` format, compact and with a fast path.

    Positions are stored as varints (count, then deltas) instead of Whoosh's
    pickled lists: 2 bytes instead of 13 for a word that occurs once. And for
    :class:`GermanAnalyzer` fields, ``word_values`` asks the cached analysis
    for ``term → positions`` directly instead of Whoosh's token pipeline.
    """

    def word_values(
        self, value: Any, analyzer: Any, **kwargs: Any
    ) -> Iterator[tuple[str, int, float, bytes]]:
        if not isinstance(analyzer, GermanAnalyzer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        fb = self.field_boost
        encode = self.encode
        for term, plist in analyzer.analysis.term_positions(value).items():
            yield (term, len(plist), len(plist) * fb, encode(plist))

    def encode(self, poslist: Any) -> bytes:
        n = len(poslist)
        if n == 1 and poslist[0] < 0x80:
            return bytes((1, poslist[0]))
        out = bytearray()
        v = n
        while v >= 0x80:
            out.append(v & 0x7F | 0x80)
            v >>= 7
        out.append(v)
        prev = 0
        for p in poslist:
            d = p - prev
            prev = p
            while d >= 0x80:
                out.append(d & 0x7F | 0x80)
                d >>= 7
            out.append(d)
        return bytes(out)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        values = _varints(valuestring)
        out = []
        pos = 0
        for d in values[1:]:
            pos += d
            out.append(pos)
        return out

    def decode_frequency(self, valuestring: bytes) -> int:
        return _varints(valuestring, 1)[0]

    def decode_weight(self, valuestring: bytes) -> float:
        return float(self.decode_frequency(valuestring) * self.field_boost)

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(pos, 1.0) for pos in self.decode_positions(valuestring)]

    def combine(self, vs: Any) -> bytes:
        s: set[int] = set()
        for v in vs:
            s.update(self.decode_positions(v))
        return self.encode(sorted(s))


def _varints(data: bytes, limit: int = -1) -> list[int]:
    out: list[int] = []
    value = shift = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        out.append(value)
        if len(out) == limit:
            break
        value = shift = 0
    return out


def conflation_key(word: str) -> str:
    """The term the default analyzer indexes ``word`` under (its main term).

    Two words are conflated (a search for one finds the other) when their
    keys are equal; ``python -m bench conflation --key index.analysis:conflation_key``
    scores this against the CISTEM gold standards.
    """
    return get_analysis().query_term(word) or word.casefold()


def snowball_key(word: str) -> str:
    """:func:`conflation_key` for the Snowball configuration."""
    return get_analysis("snowball", False).query_term(word) or word.casefold()
