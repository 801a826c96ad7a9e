"""Character- and word-level normalisation for German: folding and stopwords.

Folding makes the spellings a German reader treats as one word equal:
lower case, ``ß``/``ẞ`` → ``ss``, umlauts and other accents stripped
(``ä`` → ``a``, ``é`` → ``e``, ``ğ`` → ``g``) and the umlaut transcriptions
``ae``/``oe``/``ue`` → ``a``/``o``/``u`` where they can be one (after a
consonant or at the start, as Lucene's ``GermanNormalizationFilter`` does:
``Mueller`` → ``muller`` but ``neue``, ``Bauer``, ``Quelle`` stay).
So ``Zölle``, ``Zoelle`` and ``Zolle`` all fold to ``zolle``.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

#: characters dropped inside a word (soft hyphen, zero-width marks) and the
#: apostrophes that are folded away (``geht's`` → ``gehts``)
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
APOSTROPHES = "'’ʼ`´"
_DROP = dict.fromkeys(map(ord, INVISIBLE + APOSTROPHES + "."), None)


@lru_cache(maxsize=1 << 18)
def fold(word: str) -> str:
    """Fold a word for matching: ``"Straße"`` → ``"strasse"``, ``"Zölle"`` → ``"zolle"``."""
    w = word.translate(_DROP).casefold()
    if not w.isascii():
        w = unicodedata.normalize("NFKD", w)
        w = "".join(c for c in w if not unicodedata.combining(c)).casefold().translate(_DROP)
        # letters NFKD does not decompose
        w = w.replace("ø", "o").replace("æ", "ae").replace("œ", "oe").replace("ł", "l")
        w = w.replace("đ", "d").replace("ı", "i")
    if "e" in w and ("ae" in w or "oe" in w or "ue" in w):
        w = _fold_transcriptions(w)
    return w


def _fold_transcriptions(w: str) -> str:
    """``ae``/``oe``/``ue`` → ``a``/``o``/``u`` where they can stand for an umlaut.

    The state machine of Lucene's German normalisation: an ``e`` is dropped
    after ``a`` or ``o``, and after a ``u`` that follows a consonant or starts
    the word (so ``neue``, ``Bauer`` and ``Quelle`` keep theirs).
    """
    out: list[str] = []
    state = 0  # 0: after a consonant or at the start, 1: after a vowel, 2: umlaut-able
    for c in w:
        if c == "a" or c == "o":
            state = 2
        elif c == "u":
            state = 2 if state == 0 else 1
        elif c == "e":
            if state == 2:
                state = 1
                continue
            state = 1
        elif c in "iqy":
            state = 1
        else:
            state = 0
        out.append(c)
    return "".join(out)


def fold_stopword(word: str) -> str:
    """Lower case with ``ß`` → ``ss`` but umlauts kept: the key of the stopword test.

    Umlauts are kept so that ``über`` is a stopword but ``Uber`` is not.
    """
    w = word.casefold().translate(_DROP)
    if not w.isascii():
        w = unicodedata.normalize("NFC", w)
    return w


# German stopwords: articles, pronouns, prepositions, conjunctions, auxiliary
# and modal verb forms and frequent adverbs; written for this project from
# German grammar (lower case, umlauts kept, ß as ss).
STOPWORDS: frozenset[str] = frozenset(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen
    anderer anderes anderm andern anders auch auf aus bei beim bin bis bist da
    dabei dadurch dafür dagegen daher dahin damals damit danach daneben dann daran
    darauf daraus darf darfst darin darum darunter darüber das dass davon davor
    dazu dein deine deinem deinen deiner deines dem demselben den denen denn
    dennoch denselben der deren derer derselbe derselben des desselben dessen
    dich die dies diese dieselbe dieselben diesem diesen dieser dieses dir doch
    dort du durch dürfen ein eine einem einen einer eines einig einige einigem
    einigen einiger einiges einmal er es etwa etwas euch euer eure eurem euren
    eurer eures für gegen gewesen hab habe haben hast hat hatte hatten hattest
    hättest hätte hätten her hier hin hinter ich ihm ihn ihnen ihr ihre ihrem
    ihren ihrer ihres im in indem ins ist ja jede jedem jeden jeder jedes jene
    jenem jenen jener jenes jetzt kann kannst kein keine keinem keinen keiner
    keines können könnt könnte könnten machen man manche manchem manchen mancher
    manches mein meine meinem meinen meiner meines mich mir mit muss musst müssen
    musste mussten nach nachdem nein nicht nichts noch nun nur ob oder ohne sehr
    sein seine seinem seinen seiner seines selbst sich sie sind so solche solchem
    solchen solcher solches soll sollen sollte sollten sondern sonst sowie über
    um und uns unser unsere unserem unseren unserer unseres unter viel vom von
    vor während war waren warst was weil weiter welche welchem welchen welcher
    welches wenn wer werde werden werdet weshalb wie wieder will wir wird wirst
    wo wollen wollte wollten worden wurde wurden würde würden zu zum zur zwar
    zwischen
    """.split()
)


def is_stopword(word: str) -> bool:
    """True if ``word`` (any case) is a German stopword."""
    return fold_stopword(word) in STOPWORDS
