"""Snippets: the best one to three sentences of an article, matched words marked.

Sentences come from the lead and the body. Each is analysed with the same
chain as the index (without the compound lexicon), so every matched form is
found: inflections (``Zölle`` for ``Zoll``), umlaut spellings (``Zoelle``),
and compounds that contain a query word (``Importzölle``: the whole compound
is marked, never a fragment of it). Offsets are character offsets into the
plain snippet text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable

from index.analysis import TOKEN_RE, GermanAnalysis
from index.article import Article
from index.normalize import fold

from .results import Snippet

#: places where a query term seems to occur: (approximate position, term)
Rough = list[tuple[int, str]]

#: about this many characters in a snippet
SNIPPET_CHARS = 240
MAX_FRAGMENTS = 3
#: long texts are split into sentences only this far around the first matches
WINDOW = 400
#: at most this many sentences per article are analysed exactly (those near
#: the most query terms by the cheap test)
SENTENCES_ANALYSED = 5
#: long texts are searched for the first matches this many characters at a
#: time (with an overlap, so a word across the cut is seen)
CHUNK = 2000
CHUNK_OVERLAP = 80
#: a sentence is analysed when a rough hit lies within this many characters
#: of it (the rough positions drift with what folding drops or adds)
NEAR = 60
ELLIPSIS = " … "

#: words after which a period does not end a sentence
ABBREVIATIONS = frozenset(
    """
    z b d h u a o ä v g bzw ca dr prof nr st str usw vgl etc inkl ggf evtl sog
    mio mrd jh jhd abs art bd s hr fr mr mrs ms bspw zb dh ua ov ehem geb gest
    jan feb mär apr jun jul aug sep sept okt nov dez
    """.split()
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"“”»')]*\s+|\n+")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences in ``text``.

    A period ends a sentence unless it follows a known abbreviation (``z. B.``,
    ``Dr.``), a single letter or a number (``3. Oktober``), or the next
    sentence would start in lower case.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if "\n" not in m.group() and not _is_boundary(text, m.start(), end):
            continue
        if text[start : m.start()].strip():
            spans.append((start, m.start() + len(m.group().rstrip())))
        start = end
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def _is_boundary(text: str, dot: int, after: int) -> bool:
    nxt = text[after : after + 1]
    if nxt and not (nxt.isupper() or nxt.isdigit() or nxt in "„\"»(«'"):
        return False
    if text[dot] != ".":
        return True
    start = max(text.rfind(" ", max(0, dot - 30), dot), text.rfind("\n", max(0, dot - 30), dot))
    word = text[start + 1 : dot].rstrip(".").lower()
    word = word.lstrip("(„\"»«'")
    if not word:
        return True
    last = word.rsplit(".", 1)[-1]
    if last in ABBREVIATIONS or len(last) == 1:
        return False
    return not last.isdigit()


class Highlighter:
    """Finds the words of a text that a query matched."""

    def __init__(self, analysis: GermanAnalysis, terms: Iterable[str], words: Iterable[str]):
        self.analysis = analysis
        self.terms = set(terms)
        # query words and their stems that may sit inside a compound
        inner = {w for w in words if len(w) >= 4} | {t for t in self.terms if len(t) >= 4}
        self.inner = sorted(inner, key=len, reverse=True)
        # every term a word yields is a substring of the folded word (stems cut
        # letters off, they never add any): a sentence without any of them
        # needs no analysis. Terms of one or two letters (z. B. -> zb) disable it.
        self._needles = sorted({_fold_text(t) for t in self.terms | set(self.inner)}, key=len)
        self._prefilter = bool(self._needles) and all(len(t) > 2 for t in self._needles)
        # token -> the spans it contributes (relative to the token), per query
        self._token_spans: dict[str, tuple[tuple[int, int], ...]] = {}

    def windows(self, text: str) -> list[tuple[int, str, bool, Rough | None]]:
        """The stretches of ``text`` worth splitting into sentences.

        (start, stretch, whole, rough): the whole text when it is short or the
        cheap test is off; else windows of :data:`WINDOW` characters around
        the first places where query terms seem to occur, and nothing when
        none does. ``whole`` is False for a window, whose first and last
        sentences may be cut. ``rough`` lists the (approximate position,
        term) places of the cheap test inside the stretch, sorted; None when
        the test is off.
        """
        if not self._prefilter:
            return [(0, text, True, None)]
        if len(text) <= 2 * WINDOW:
            found = sorted(self._rough(text))
            return [(0, text, True, found)] if found else []
        # the text is folded a chunk at a time, only until three places are
        # found (a 100 KB live blog need not be folded whole; and positions
        # scaled back within a chunk drift little)
        hits: list[int] = []
        places: Rough = []
        first: dict[str, int] = {}  # each term's first place
        last: dict[str, int] = {}  # each term's last place kept
        for start in range(0, len(text), CHUNK):
            chunk = text[start : start + CHUNK + CHUNK_OVERLAP]
            final = start + CHUNK >= len(text)
            for h, needle in self._rough(chunk):
                if h >= CHUNK and not final:
                    continue  # in the overlap: the next chunk has it
                places.append((start + h, needle))
                first.setdefault(needle, start + h)
                # each term's places at least a window apart
                if start + h >= last.get(needle, -WINDOW) + WINDOW:
                    last[needle] = start + h
                    hits.append(start + h)
            # enough once three places are known and every term was seen (or
            # a few chunks more were searched for the missing ones)
            if len(hits) >= 3 and (len(first) == len(self._needles) or start >= 3 * CHUNK):
                break
        # every term's first place, then the earliest others: three windows
        chosen = sorted(first.values())[:3]
        chosen += [h for h in sorted(hits) if h not in chosen][: 3 - len(chosen)]
        hits = sorted(chosen)
        if not hits:
            return []
        places.sort()
        spans: list[list[int]] = []
        for h in hits:
            a, b = max(0, h - WINDOW), h + WINDOW
            if spans and a <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], b)
            else:
                spans.append([a, b])
        return [
            (a, text[a:b], a == 0 and b >= len(text), [(p - a, t) for p, t in places if a <= p < b])
            for a, b in spans
        ]

    def _rough(self, text: str, most: int = 400) -> list[tuple[int, str]]:
        """(approximate position, term) of the places a term seems to occur."""
        folded = _fold_text(text)
        ratio = len(text) / max(1, len(folded))
        found: list[tuple[int, str]] = []
        for t in self._needles:
            i = folded.find(t)
            while i >= 0 and len(found) < most:
                found.append((int(i * ratio), t))
                i = folded.find(t, i + 1)
        return found

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every matched word in ``text``, merged and sorted.

        Each distinct token is analysed once per query (a cache of its
        spans): a text costs little more than the tokenizer's walk over it.
        """
        out: list[tuple[int, int]] = []
        cache = self._token_spans
        for m in TOKEN_RE.finditer(text):
            token = m.group()
            rel = cache.get(token)
            if rel is None:
                rel = cache[token] = self._spans_of_token(token)
            if rel:
                base = m.start()
                out.extend((base + a, base + b) for a, b in rel)
        return _merge(out)

    def _spans_of_token(self, token: str) -> tuple[tuple[int, int], ...]:
        found: list[tuple[int, int]] = []
        _npos, items = self.analysis.token_entry(token, parts=False)
        for _rel, term, start, end, kind in items:
            if term in self.terms:
                found.append((start, end))
            elif self.inner and len(term) >= 6 and kind != "joined":
                folded = fold(token[start:end])
                if any(w in folded and folded != w for w in self.inner):
                    found.append((start, end))  # a compound with a query word
        return tuple(found)


def _fold_text(text: str) -> str:
    """A cheap approximation of :func:`fold` for whole texts (the snippet prefilter).

    Lower case, accents and umlauts stripped (NFKD, then ASCII only: other
    characters such as quotes drop out), ß as ss, joiners dropped, and the
    umlaut transcriptions ae/oe/ue collapsed everywhere; the prefilter's
    terms get the same treatment, so a term's letters stay in order. All in
    C: a 7 KB article takes a quarter of a millisecond.
    """
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ẞ", "ss"))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    for joiner in "-_.'":
        text = text.replace(joiner, "")
    return text.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def make_snippet(
    article: Article, highlighter: Highlighter, max_chars: int = SNIPPET_CHARS
) -> Snippet:
    """The best passage of ``article`` for the query behind ``highlighter``."""
    # the stretches of text around the first matches are split into
    # sentences; a sentence near a place where a query term seems to occur
    # (the cheap folded test) is analysed exactly (each distinct token once
    # per query) and scored by the matched words it holds
    # (terms seen near it, reading order, sentence, those terms)
    rough: list[tuple[int, int, str, frozenset[str]]] = []
    order = 0
    for part in (article.lead, article.body):
        if not part:
            continue
        for base, segment, whole, near in highlighter.windows(part):
            positions = [h for h, _ in near] if near is not None else []
            for start, end in sentences(segment):
                if not whole and (start == 0 or end >= len(segment.rstrip())):
                    continue  # cut by the window's edges: a partial sentence
                terms: frozenset[str] = frozenset()  # without the cheap test: unknown
                if near is not None:
                    lo = bisect.bisect_left(positions, start - NEAR)
                    hi = bisect.bisect_right(positions, end + NEAR)
                    terms = frozenset(t for _, t in near[lo:hi])
                    if not terms:
                        continue
                idx = base + start + order * 1_000_000  # the reading order
                rough.append((len(terms), idx, segment[start:end].strip(), terms))
        order += 1
    # the sentences near the most query terms are analysed exactly, and for
    # every term the first sentence near it (so a term that is never
    # mentioned together with the others still gets its sentence)
    rough.sort(key=lambda r: (-r[0], r[1]))
    chosen_rough = rough[:SENTENCES_ANALYSED]
    covered = set().union(*(r[3] for r in chosen_rough)) if chosen_rough else set()
    for r in rough[SENTENCES_ANALYSED:]:
        if not r[3] <= covered:
            chosen_rough.append(r)
            covered |= r[3]
    candidates: list[tuple[float, int, str, list[tuple[int, int]]]] = []
    for _seen, idx, sentence, _terms in chosen_rough:
        spans = highlighter.spans(sentence)
        if not spans:
            continue
        distinct = {fold(sentence[a:b]) for a, b in spans}
        # more distinct query words first, then more matches; among equals
        # the lead, then the earlier sentence
        after_lead = 0.5 if idx >= 1_000_000 else 0.0
        score = 10.0 * len(distinct) + len(spans) - after_lead - (idx % 1_000_000) * 1e-6
        candidates.append((score, idx, sentence, spans))
    if not candidates:
        # the match was in the title, the tags or a field not shown: the opening
        text = (article.lead or article.body or article.caption).strip()
        first = text[:max_chars]
        if len(text) > max_chars:
            first = first[: first.rfind(" ")] + " …" if " " in first else first + "…"
        return Snippet(first, tuple(highlighter.spans(first)))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    chosen: list[tuple[int, str, list[tuple[int, int]]]] = []
    used = 0
    for _score, idx, sentence, spans in candidates[: MAX_FRAGMENTS * 3]:
        if len(chosen) >= MAX_FRAGMENTS:
            break
        room = max_chars - used
        if chosen and room < 60:
            break
        frag, fspans = _crop(sentence, spans, room if chosen else max_chars)
        chosen.append((idx, frag, fspans))
        used += len(frag) + len(ELLIPSIS)
    chosen.sort()
    text_parts: list[str] = []
    highlights: list[tuple[int, int]] = []
    offset = 0
    for i, (_, frag, fspans) in enumerate(chosen):
        # one ellipsis between fragments, not "… … …" where a cropped one meets it
        if i + 1 < len(chosen) and frag.endswith(" …"):
            frag = frag[:-2]
            fspans = [(a, min(b, len(frag))) for a, b in fspans if a < len(frag)]
        if i and frag.startswith("… "):
            frag = frag[2:]
            fspans = [(a - 2, b - 2) for a, b in fspans if a >= 2]
        if i:
            text_parts.append(ELLIPSIS)
            offset += len(ELLIPSIS)
        text_parts.append(frag)
        highlights.extend((a + offset, b + offset) for a, b in fspans)
        offset += len(frag)
    return Snippet("".join(text_parts), tuple(highlights))


def _crop(
    sentence: str, spans: list[tuple[int, int]], room: int
) -> tuple[str, list[tuple[int, int]]]:
    """Cut a long sentence to ``room`` characters around its first match."""
    if len(sentence) <= room:
        return sentence, spans
    first = spans[0][0]
    start = max(0, first - room // 3)
    if start > 0:
        space = sentence.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(sentence), start + room)
    if end < len(sentence):
        space = sentence.rfind(" ", start, end)
        end = space if space > first else end
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(sentence) else ""
    frag = prefix + sentence[start:end].strip() + suffix
    shift = len(prefix) - start
    kept = [(a + shift, b + shift) for a, b in spans if a >= start and b <= end]
    return frag, kept
