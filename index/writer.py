"""A faster Whoosh segment writer for the German text fields.

Whoosh's :class:`~whoosh.writing.SegmentWriter` sends every posting through a
tuple, a pickled on-disk "pool" and a merge sort before the codec writes it,
about ten Python-level steps per posting. For the German text fields this
writer keeps the postings in memory instead, one ``array('I')`` per term
holding ``docnum, frequency, positions…`` runs, and writes each term's
posting list in Whoosh's W3 block layout, read by Whoosh's unchanged readers.
Two things differ from what Whoosh itself writes, both within what its
reader accepts: blocks are pickled with protocol 4 (protocol 2 has no bytes
type and spends ~20 bytes on every posting value), weights are stored as the
integer frequencies they are, and postings of terms in one document only are
inlined into the term table (a feature of the format 2.7.4's writer never
uses).

Everything else (stored fields, columns, lengths, the other fields, merges,
deletions, commit) is Whoosh's :class:`SegmentWriter`.
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import GermanAnalyzer

#: postings per block and zlib level, as in Whoosh
BLOCK = 128
COMPRESSION = 3

_Store = dict[str, "array[int]"]  # term -> array('I') of (docnum, freq, pos...) runs


class FastSegmentWriter(SegmentWriter):  # type: ignore[misc]
    """A :class:`SegmentWriter` with in-memory postings for German text fields."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        kwargs.setdefault("codec", W3Codec())
        super().__init__(ix, **kwargs)
        self._german: dict[str, _Store] = {}
        self._lengths: dict[str, array[int]] = {}
        self._fast_fields = {
            name
            for name, fieldobj in self.schema.items()
            if isinstance(fieldobj.analyzer, GermanAnalyzer)
            and type(fieldobj.format).__name__ == "GermanPositions"
            and fieldobj.indexed
            and not fieldobj.vector
            and not fieldobj.separate_spelling()
        }

    def add_document(self, **fields: Any) -> None:
        """Add a document; German text fields go to the in-memory postings."""
        self._check_state()
        perdoc = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        add_post = self.pool.add
        docboost = self._doc_boost(fields)
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        for name in names:
            value = fields.get(name)
            if value is None:
                continue
            fieldobj = schema[name]
            length = 0
            if name in self._fast_fields and isinstance(value, str):
                length = self._add_fast(name, fieldobj, docnum, value)
            elif fieldobj.indexed:
                fieldboost = self._field_boost(fields, name, docboost)
                for tbytes, freq, weight, vbytes in fieldobj.index(value):
                    if fieldobj.scorable:
                        length += freq
                    add_post((name, tbytes, docnum, weight * fieldboost, vbytes))
            stored = fields.get(f"_stored_{name}", value)
            perdoc.add_field(name, fieldobj, stored if fieldobj.stored else None, length)
            column = fieldobj.column_type
            if column and stored is not None:
                perdoc.add_column_value(name, column, fieldobj.to_column_value(stored))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_fast(self, name: str, fieldobj: Any, docnum: int, value: str) -> int:
        store = self._german.get(name)
        if store is None:
            store = self._german[name] = {}
            self._lengths[name] = array("I")
        length = 0
        for term, plist in fieldobj.analyzer.analysis.term_positions(value).items():
            run = store.get(term)
            if run is None:
                run = store[term] = array("I")
            run.append(docnum)
            run.append(len(plist))
            run.extend(plist)
            length += len(plist)
        lengths = self._lengths[name]
        offset = docnum - self.docbase
        if len(lengths) <= offset:
            lengths.extend([0] * (offset + 1 - len(lengths)))
        lengths[offset] = length
        return length

    def _flush_segment(self) -> None:
        """Write the pooled postings (other fields), then the German fields'."""
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        fieldwriter = self.fieldwriter
        fieldwriter.add_postings(self.schema, pdr, self.pool.iter_postings())
        # field ids grow with each start_field, so the German fields' keys
        # (field id + term) follow the pooled ones in the term table
        for name in sorted(self._german):
            self._write_fast_field(name)
        fieldwriter.close()
        if pdr:
            pdr.close()

    def _write_fast_field(self, name: str) -> None:
        """Write one German field's postings in Whoosh's W3 block format."""
        fw = self.fieldwriter
        fieldobj = self.schema[name]
        encode = fieldobj.format.encode
        boost = fieldobj.format.field_boost
        lengths = self._lengths.get(name, array("I"))
        docbase = self.docbase
        store = self._german.get(name, {})
        fw.start_field(name, fieldobj)
        key_prefix = pack_ushort(fw._fieldid)
        tindex_add = fw._tindex.add
        postfile = fw._postfile
        small = _SMALL_VALUES
        for btext, term in sorted((t.encode("utf-8"), t) for t in store):
            run = store[term]
            ids: list[int] = []
            freqs: list[int] = []
            values: list[bytes] = []
            i, n = 0, len(run)
            while i < n:
                f = run[i + 1]
                ids.append(run[i])
                freqs.append(f)
                if f == 1 and run[i + 2] < 0x80:
                    values.append(small[run[i + 2]])
                else:
                    values.append(encode(run[i + 2 : i + 2 + f]))
                i += 2 + f
            lens = [lengths[d - docbase] for d in ids]
            weights: list[float] | list[int] = freqs if boost == 1 else [f * boost for f in freqs]
            terminfo = _write_postings(postfile, ids, weights, values, lens)
            tindex_add(key_prefix + btext, terminfo.to_bytes())
        fw.finish_field()
        store.clear()


class _TermInfo(W3TermInfo):  # type: ignore[misc]
    """W3 term info whose inlined postings are pickled with protocol 4.

    Protocol 2 (Whoosh's) has no bytes type and writes every posting value
    as a ``_codecs.encode`` call; ``loads`` reads either.
    """

    _inlined: tuple[Any, ...] | None

    def to_bytes(self) -> bytes:
        if self._inlined is None:
            return bytes(super().to_bytes())
        head = self._struct.pack(
            1,
            self._weight,
            self._df,
            0 if self._minlength is None else length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
            self._maxweight,
            0xFFFFFFFF if self._minid is None else self._minid,
            0xFFFFFFFF if self._maxid is None else self._maxid,
        )
        return bytes(head) + pickle.dumps(self._inlined, 4)


def _write_postings(
    postfile: Any,
    ids: list[int],
    weights: list[float] | list[int],
    values: list[bytes],
    lens: list[int],
) -> _TermInfo:
    """Write one term's posting list; return its term info.

    The layout is Whoosh's W3 codec: a magic tag, then blocks of at most 128
    postings, each ``int length`` (negative for the last block), a pickled
    info tuple and the zlib-compressed pickled (ids, weights, values). A term
    in one document only is inlined into its term info.
    """
    ti = _TermInfo()
    n = len(ids)
    nonzero = [x for x in lens if x]
    ti._weight = float(sum(weights))
    ti._df = n
    ti._minlength = min(nonzero) if nonzero else None
    ti._maxlength = max(lens) if lens else 0
    ti._maxweight = float(max(weights))
    ti._minid = ids[0]
    ti._maxid = ids[-1]
    if n == 1:
        ti._inlined = (tuple(ids), tuple(float(w) for w in weights), tuple(values))
        return ti
    start = postfile.tell()
    postfile.write(WHOOSH3_HEADER_MAGIC)
    for b in range(0, n, BLOCK):
        e = min(n, b + BLOCK)
        bids = ids[b:e]
        bweights = weights[b:e]
        blens = lens[b:e]
        prev = 0
        deltas = []
        for d in bids:
            deltas.append(d - prev)
            prev = d
        mini_weights = None if all(w == 1 for w in bweights) else tuple(bweights)
        data = zlib.compress(
            pickle.dumps((tuple(deltas), mini_weights, tuple(values[b:e])), 4), COMPRESSION
        )
        bnonzero = [x for x in blens if x]
        info = pickle.dumps(
            (
                e - b,
                bids[-1],
                float(max(bweights)),
                COMPRESSION,
                length_to_byte(min(bnonzero) if bnonzero else None),
                length_to_byte(max(blens)),
            ),
            2,
        )
        length = len(info) + len(data)
        postfile.write_int(-length if e == n else length)
        postfile.write(info)
        postfile.write(data)
    ti._offset = start
    ti._length = postfile.tell() - start
    return ti


#: the encoded value of a word that occurs once, at a position below 128
_SMALL_VALUES = [bytes((1, p)) for p in range(0x80)]
