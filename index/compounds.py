"""German compound splitting, frequency-based.

``Importzölle`` is ``import`` + ``zölle``, ``Verteidigungsausgaben`` is
``verteidigung`` + ``s`` + ``ausgaben``. The splitter finds the parts with the
method of Koehn & Knight (2003): every way to cut a word into known words
(allowing the linking elements ``-s-``, ``-es-``, ``-n-``, ``-en-``, ``-ens-``
and a dropped ``-e`` as in ``Schulbuch`` ← ``Schule``) is scored by the
geometric mean of its parts' frequencies, and the word stays whole unless a
split beats the whole word's own frequency. Frequent, lexicalised words
(``Frankreich``, ``Verantwortung``) so stay whole, while rare compounds of
frequent words are split.

The lexicon is the German word-frequency list of the ``wordfreq`` package
(Apache-2.0 code, CC BY-SA 4.0 data), read from the installed package (never
from the network) and cached, folded, in the user's cache folder.

Guards against nonsense splits: parts are at least three letters, short parts
must be frequent, and no part is a function word or an affix (``ver``,
``ung``, ``dort``), which keeps ``Dortmund``, ``Verantwortung`` and
``Regierung`` whole and ``Wandhalterung`` from giving ``alterung``.
"""

from __future__ import annotations

import itertools
import marshal
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .normalize import STOPWORDS, fold, fold_stopword

#: bump when the lexicon's construction changes (cache files carry it)
LEXICON_VERSION = 1

#: a word must have this many letters before it is tried
MIN_WORD = 6
#: every part has at least this many letters
MIN_PART = 3
#: zipf frequency (log10 per billion words) a part needs, by its length
MIN_ZIPF = {3: 4.0, 4: 3.5, 5: 3.0}
MIN_ZIPF_LONG = 2.5
#: words rarer than this are not in the lexicon at all
LEXICON_MIN_ZIPF = 2.0

#: linking elements between modifier and head (Fugenelemente), each with a
#: penalty in zipf units: ``-es-`` and a dropped ``-e`` are rarer than ``-s-``,
#: which keeps ``Hundesteuer`` from becoming hund + es + teuer
LINKS = {"s": 0.0, "es": 0.5, "n": 0.2, "en": 0.2, "ens": 0.3, "ns": 0.3}
DROPPED_E_PENALTY = 0.3
S_AFTER_E_PENALTY = 0.3
#: a lower-case word this frequent is a verb or adjective form, never split
LOWERCASE_MAX_ZIPF = 3.0
#: a split wins when its parts' mean zipf is above the whole word's minus this
WHOLE_MARGIN = 0.1

#: never a part: prefixes, suffixes, and function words that also occur as
#: the start or end of ordinary words
NOT_PARTS = frozenset(
    """
    ver ent zer ge be er un ur miss ab an auf aus bei ein mit nach vor zu uber
    unter um durch gegen hinter wider wieder weg her hin dar fort los voll
    ung ungen heit heiten keit keiten schaft schaften lich liche lichen isch ische
    bar sam haft ling linge tum tums nis nisse ion ionen tat taten chen lein ig
    ige igen end ern ert erte erten ens est eln elt ler lern
    dort hier dann denn wann wenn weil also oder aber sowie etwa ganz gar sehr
    eher mehr weniger nicht noch schon erst bald oft nie sonst gern heute
    morgen gestern jetzt immer selbst dessen deren deshalb darum
    rung ter ten tern sen ser gen ren ker nen den ben lem
    and the for you with not but are was this that have from all one our out
    can get has his her him its who why how any may see use way say off
    """.split()
)

_VOWELS = frozenset("aeiouy")
#: three-letter words are parts only from this list (folded): short words
#: otherwise cut ordinary words into nonsense (eng+land, geh+orte)
THREE_LETTER_PARTS = frozenset(
    """
    amt arm art arzt bad bau bau bus dom eis ehe erz fan fax gas gen gut hof hut
    kai kot kuh lob los mai mal mut not obst ohr ort ost pol pkw rad rat rat reh
    rot ruf see sex sog tag tal tat tee tor tod tur typ uhr ufo uni weg wal wut
    zoo zug alt neu box job kur mix pop ski tal akw abc ddr spd cdu csu fdp afd ezb
    """.split()
)
#: three-letter modifiers that drop an -e (Erdgas <- Erde); other three-letter
#: stems would make words of prefixes (geb+e, red+e)
SHORT_DROPPED_E = frozenset(("erd",))
#: heads that only count after a linking element: otherwise they are the
#: participle ending of a verb (folgende, laufenden), not the word Ende
LINKED_HEADS = frozenset(("ende", "enden", "endes"))
_LINKS_BY_LAST = {last: tuple(link for link in LINKS if link.endswith(last)) for last in ("s", "n")}
#: never a head: Ministerinnen is a form of Minister, not Minister + innen
FEMININE_ENDINGS = frozenset(("innen", "inne"))


@dataclass(frozen=True)
class Split:
    """A compound's decomposition.

    ``parts`` are every unit the word is built of that a searcher may type:
    the leaves (``hoch``, ``spannung``, ``netz``, ``gerat``) and the
    sub-compounds (``hochspannung``, ``netzgerat``), all folded, in order of
    their start in the word.
    """

    word: str
    parts: tuple[str, ...]


class Lexicon:
    """Folded German words with their zipf frequency."""

    def __init__(self, zipf: dict[str, float]) -> None:
        self.zipf = zipf

    def __contains__(self, word: str) -> bool:
        return word in self.zipf

    def __len__(self) -> int:
        return len(self.zipf)

    @classmethod
    def from_wordfreq(cls) -> Lexicon:
        """Build from the installed ``wordfreq`` package (about 1.5 s)."""
        import wordfreq  # heavy; only when the cache is cold

        freqs = wordfreq.get_frequency_dict("de", "large")
        min_freq = 10 ** (LEXICON_MIN_ZIPF - 9)
        summed: dict[str, float] = {}
        for word, freq in freqs.items():
            if freq < min_freq or not word.isalpha():
                continue
            key = fold(word)
            if len(key) >= MIN_PART and key.isascii():
                summed[key] = summed.get(key, 0.0) + freq
        return cls({w: round(math.log10(f) + 9, 3) for w, f in summed.items()})

    @classmethod
    def default(cls) -> Lexicon:
        """The process-wide lexicon, loaded from the cache or built once."""
        global _DEFAULT
        with _LOCK:
            if _DEFAULT is None:
                _DEFAULT = cls._load_cached()
            return _DEFAULT

    @classmethod
    def _load_cached(cls) -> Lexicon:
        path = cache_path()
        try:
            # read whole, then decode: marshal.load on a file object reads
            # in small pieces (0.47 s against 0.12 s for this dict)
            data = marshal.loads(path.read_bytes())
            if isinstance(data, dict):
                return cls(data)
        except (OSError, EOFError, ValueError, TypeError):
            pass
        lex = cls.from_wordfreq()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            with tmp.open("wb") as fh:
                marshal.dump(lex.zipf, fh)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only home: work without the cache
        return lex


_DEFAULT: Lexicon | None = None
_LOCK = threading.Lock()


def cache_path() -> Path:
    """Where the folded lexicon is cached (``$ZSUCHE_CACHE`` or the user cache folder)."""
    base = os.environ.get("ZSUCHE_CACHE")
    if base:
        root = Path(base)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = (Path(xdg) if xdg else Path.home() / ".cache") / "zeitungssuche"
    # the installed version from its metadata: importing wordfreq (0.2 s)
    # is only needed to build the lexicon
    version = _dist_version("wordfreq")
    return root / f"lexicon-de-v{LEXICON_VERSION}-wordfreq{version}.marshal"


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


class Splitter:
    """Splits folded German words into parts; results are cached per word."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon if lexicon is not None else Lexicon.default()
        self._zipf = self.lexicon.zipf
        # the words that may be parts, with their zipf score, and the same
        # for words ending in -e without it (Schul- for Schule)
        floor = min(MIN_ZIPF_LONG, *MIN_ZIPF.values())  # a quick test first
        self._good = {w: z for w, z in self._zipf.items() if z >= floor and _good_part(w, z)}
        good_e = {w[:-1]: z for w, z in self._good.items() if w.endswith("e")}
        # what a word's start can be as a modifier, in one look-up: its own
        # score as a part, and the score of the part it is with a dropped -e
        self._modifiers = {
            m: (self._good.get(m), good_e.get(m)) for m in itertools.chain(self._good, good_e)
        }
        # best decomposition of a substring: (sum of zipf, number of leaves, tree)
        self._memo: dict[str, tuple[float, int, _Tree] | None] = {}
        self._cache: dict[str, tuple[str, ...]] = {}

    def parts(self, word: str, *, lowercase: bool = False) -> tuple[str, ...]:
        """The parts of a folded word (empty when it stays whole).

        ``lowercase`` says the word was written in lower case: then it is no
        noun, and if it is a frequent word itself (a verb form such as
        ``bestellen`` or ``profitieren``) it stays whole; rarer lower-case
        words (``klimaneutral``) are split like nouns.
        """
        if lowercase and self._zipf.get(word, 0.0) >= LOWERCASE_MAX_ZIPF:
            return ()
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        result: tuple[str, ...] = ()
        base = _masculine_base(word)
        base_parts = self.parts(base) if base is not None else ()
        if base is not None and (base in self._zipf or base_parts):
            # Zwangsarbeiterinnen: the parts of Zwangsarbeiter, and that word
            result = tuple(dict.fromkeys((base, *base_parts)))
        elif len(word) >= MIN_WORD and word.isalpha():
            best = self._best_split(word)
            if best is not None:
                total, leaves, tree = best
                whole = self._zipf.get(word)
                # Koehn & Knight: the split must beat the word itself
                if whole is None or total / leaves > whole - WHOLE_MARGIN:
                    result = tuple(_collect(tree, word, self._zipf))
        if len(self._cache) > 1_000_000 or len(self._memo) > 2_000_000:
            self._cache.clear()
            self._memo.clear()
        self._cache[word] = result
        return result

    def clear_cache(self) -> None:
        """Forget the splits made so far (the lexicon stays)."""
        self._cache.clear()
        self._memo.clear()

    def leaves(self, word: str, *, lowercase: bool = False) -> tuple[str, ...]:
        """The smallest parts of a folded word (``hoch spannung netz gerat``), in order."""
        parts = self.parts(word, lowercase=lowercase)
        return tuple(p for p in parts if not any(q != p and q in p for q in parts))

    def split(self, word: str) -> Split:
        """The :class:`Split` of any word (folded first)."""
        folded = fold(word)
        return Split(folded, self.parts(folded))

    def _leaf(self, s: str) -> float | None:
        """The zipf score of ``s`` if it may be a part on its own."""
        return self._good.get(s)

    def _head(self, s: str) -> tuple[float, int, _Tree] | None:
        """``s`` as the head of a compound: one word, or itself a compound."""
        memo = self._memo
        if s in memo:
            return memo[s]
        z = self._leaf(s)
        best: tuple[float, int, _Tree] = (z, 1, None) if z is not None else (0.0, 0, None)
        if len(s) >= 2 * MIN_PART:
            split = self._best_split(s)
            # as for whole words: a head that is a word stays whole unless a
            # split is clearly better (Arbeiterinnen, not arbeite + rinnen)
            if split is not None and (best[1] == 0 or split[0] / split[1] > best[0] + WHOLE_MARGIN):
                best = split
        result = best if best[1] else None
        memo[s] = result
        return result

    def _best_split(self, w: str) -> tuple[float, int, _Tree] | None:
        """The best cut of ``w`` into a modifier word (+ link) and a head.

        Modifiers are single lexicon words (the leftmost part); heads may be
        compounds themselves, so ``a+b+c`` is found as ``a + (b + c)``. Runs
        of parts that are words of their own (``hochspannung``) are recovered
        when the parts are collected.
        """
        best: tuple[float, int, _Tree] | None = None
        n = len(w)
        modifiers = self._modifiers.get
        # scores[j]: w[:j] as a part (a modifier before a link is one that
        # an earlier step has looked up already)
        scores: list[float | None] = [None] * n
        for i in range(MIN_PART, n - MIN_PART + 1):
            mod = w[:i]
            last = w[i - 1]
            linked = (last == "s" or last == "n") and i > MIN_PART
            found = modifiers(mod)
            if found is None:
                if not linked:
                    continue  # most cuts: no modifier ends here
                z = z_e = None
            else:
                z, z_e = found  # z_e: a dropped -e, Schulbuch <- Schule
                scores[i] = z
            options = []
            if z is not None:
                options.append((i, "", z))
            if linked:
                for link in _LINKS_BY_LAST[last]:
                    k = len(link)
                    if i - k >= MIN_PART and mod.endswith(link):
                        z = scores[i - k]
                        if z is not None:
                            penalty = LINKS[link]
                            if link == "s" and w[i - k - 1] == "e":
                                penalty = S_AFTER_E_PENALTY  # Fugen-s rarely follows -e
                            options.append((i - k, link, z - penalty))
            if (
                z_e is not None
                and (i >= 4 or mod in SHORT_DROPPED_E)
                and mod not in NOT_PARTS
                and mod not in _STOP_FOLDED
            ):
                options.append((i + 1, "-e", z_e - DROPPED_E_PENALTY))
            head = w[i:]
            if not options or head in FEMININE_ENDINGS:
                continue
            if head in LINKED_HEADS:
                options = [o for o in options if o[1] and o[1] != "-e"]
                if not options:
                    continue
            h = self._head(head)
            if h is None:
                continue
            for mod_len, link, score in options:
                total = score + h[0]
                leaves = 1 + h[1]
                if best is None or total / leaves > best[0] / best[1]:
                    best = (total, leaves, (i, mod_len, link, None, h[2]))
        return best


# a decomposition tree: None for a leaf, else
# (head_start, modifier_length, link, modifier_tree, head_tree)
_Tree = tuple[int, int, str, "_Tree", "_Tree"] | None


def _masculine_base(word: str) -> str | None:
    """``arbeiter`` for ``arbeiterinnen``/``arbeiterin`` (feminine forms), else None."""
    if word.endswith("innen") and len(word) >= 9:
        return word[:-5]
    if word.endswith(("erin", "istin", "entin", "antin")) and len(word) >= 8:
        return word[:-2]
    return None


def _good_part(s: str, z: float) -> bool:
    if len(s) < MIN_PART or s in NOT_PARTS or s in _STOP_FOLDED:
        return False
    if len(s) == 3 and s not in THREE_LETTER_PARTS:
        return False
    if _VOWELS.isdisjoint(s):
        return False
    return z >= MIN_ZIPF.get(len(s), MIN_ZIPF_LONG)


def _leaves(tree: _Tree, word: str, start: int, out: list[tuple[int, int, bool]]) -> None:
    """The leaves of a decomposition tree as (start, end, dropped_e) in the word."""
    if tree is None:
        out.append((start, start + len(word), False))
        return
    head_start, mod_len, link, mod_tree, head_tree = tree
    if link == "-e":
        _leaves(mod_tree, word[:head_start] + "e", start, out)
        last = out[-1]
        out[-1] = (last[0], last[1] - 1, True)
    else:
        _leaves(mod_tree, word[:mod_len], start, out)
    _leaves(head_tree, word[head_start:], start + head_start, out)


def _collect(tree: _Tree, word: str, zipf: dict[str, float]) -> list[str]:
    """The parts to index for a decomposed word.

    Every leaf, every run of leaves that ends the word (a head such as
    ``netzgerat`` in ``hochspannungsnetzgerat``) and every other run of
    leaves that is a word of its own (``hochspannung``, ``bundestag``).
    """
    leaves: list[tuple[int, int, bool]] = []
    _leaves(tree, word, 0, leaves)
    out: list[str] = []
    n = len(leaves)
    for i in range(n):
        for j in range(i, n):
            if i == 0 and j == n - 1:
                continue
            start, end, dropped_e = leaves[i][0], leaves[j][1], leaves[j][2]
            text = word[start:end] + ("e" if dropped_e else "")
            if i == j or j == n - 1 or text in zipf:
                out.append(text)
    return out


_STOP_FOLDED = frozenset(fold(fold_stopword(w)) for w in STOPWORDS)
