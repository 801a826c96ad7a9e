"""The article model: what every parser produces and the index stores."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Link:
    """A numbered link target from the ``## LINKS`` section."""

    number: int
    target: str
    #: the text the link carries in the body ("" when the body has no marker)
    text: str = ""


@dataclass(frozen=True)
class Related:
    """An entry of ``## ARTIKEL ZUM THEMA``: a related article's title and teaser."""

    title: str
    teaser: str = ""


@dataclass(frozen=True)
class Article:
    """One news article, whatever format it came from.

    Text fields are NFC-normalised plain text: inline link markers are
    resolved to their text, line wrapping is undone, the taz line marker
    ``| |`` is gone. ``warnings`` lists what a parser had to repair or guess
    (a documented fallback), so ``zsuche check`` can report it.
    """

    id: str
    title: str
    source: str = ""
    kicker: str = ""
    headline: str = ""
    lead: str = ""
    caption: str = ""
    body: str = ""
    subheadings: tuple[str, ...] = ()
    place: str = ""
    date: dt.date | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    related: tuple[Related, ...] = ()
    path: str = ""
    url: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO 8601 strings), keys in field order.

        Field by field rather than with ``dataclasses.asdict``, which deep-copies
        every value on the way (a third of the time a build spends storing
        articles); the dict is the same.
        """
        data = {name: getattr(self, name) for name in _FIELDS}
        data["date"] = self.date.isoformat() if self.date else None
        for key in ("subheadings", "authors", "tags", "warnings"):
            data[key] = list(data[key])
        data["links"] = [asdict(link) for link in self.links]
        data["related"] = [asdict(rel) for rel in self.related]
        return data

    @property
    def text(self) -> str:
        """Everything a reader sees in the article, in reading order."""
        parts = [self.title, self.lead, self.caption, self.body]
        return "\n".join(p for p in parts if p)


_FIELDS = tuple(f.name for f in fields(Article))


def split_title(title: str) -> tuple[str, str]:
    """Split a taz title into (kicker, headline) at the first ``": "``.

    Without a ``": "`` there is no kicker and the headline is the title.
    """
    kicker, sep, headline = title.partition(": ")
    if not sep or not kicker.strip() or not headline.strip():
        return "", title.strip()
    return kicker.strip(), headline.strip()
