"""A faster Whoosh segment writer for the German text fields.

Whoosh's :class:`~whoosh.writing.SegmentWriter` sends every posting through a
tuple, a pickled on-disk "pool" and a merge sort before the codec writes it,
about ten Python-level steps per posting. For the German text fields this
writer turns a document's tokens into ids of a token table (a few C-level
calls per document), groups the ids of many documents into postings at once
with numpy, and keeps a segment's postings in four flat arrays per field
(term id, document, frequency, and all positions in a row). When the
segment is written, numpy sorts them by term and
document, delta- and varint-encodes every posting's positions at once, and
each term's posting list is written in Whoosh's W3 block layout, read by
Whoosh's unchanged readers. Two things differ from what Whoosh itself
writes, both within what its reader accepts: blocks are pickled with
protocol 4 (protocol 2 has no bytes type and spends ~20 bytes on every
posting value), weights are stored as the integer frequencies they are, and
postings of terms in one document only are inlined into the term table (a
feature of the format 2.7.4's writer never uses).

Everything else (stored fields, columns, lengths, the other fields, merges,
deletions, commit) is Whoosh's :class:`SegmentWriter`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import pickle
import struct
import zlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, _lenfield
from whoosh.filedb.filetables import md5_hash
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import TOKEN_RE, GermanAnalysis, GermanAnalyzer, token_forms
from .forms import FORMS_COLUMN, FORMS_SOURCE, blooms, form_hash
from .normalize import fold

#: postings per block and zlib level, as in Whoosh
BLOCK = 128
COMPRESSION = 3
#: postings (and terms) turned into Python objects at a time when a field is written
CHUNK_POSTINGS = 1 << 18
CHUNK_TERMS = 1 << 16
#: tokens of a field gathered before they are grouped into postings
PENDING_TOKENS = 1 << 20
#: distinct tokens a token table holds before it starts afresh (a bound on its memory)
MAX_TOKENS = 4_000_000
#: dates whose terms a writer remembers at a time
MAX_DATES = 10_000


class TokenTable(dict[str, int]):
    """The distinct tokens a writer has seen (token → id), each one's analysis
    kept in flat arrays.

    ``table[token]`` is a C-level dictionary hit for every occurrence of a
    token but its first, which analyses it (``__missing__``); so a document's
    tokens become ids with one ``map`` call, and their postings are made for
    many documents at once by :func:`_group` (a Python loop over every token
    of the corpus was a fifth of the build).

    Token ``i`` takes ``npos[i]`` positions and stands for the items
    ``first[i]:first[i + 1]``: term id ``terms[j]`` at position ``rels[j]``
    from the token's first, each (term, position) once. ``count[i]`` is the
    number of its items, the field length it adds.
    """

    def __init__(self, analysis: GermanAnalysis, vocab: dict[str, int]) -> None:
        super().__init__()
        self.analysis = analysis
        self.vocab = vocab  # term -> id, shared by all German fields
        self.npos = array("i")
        self.first = array("i", [0])
        self.count: list[int] = []
        self.terms = array("i")
        self.rels = array("i")
        # token i has the word forms (index/forms.py) form_ids[form_first[i]:form_first[i + 1]]
        self.form_first = array("i", [0])
        self.form_ids = array("i")
        self.forms: dict[str, int] = {}  # form -> id
        self.h1 = array("Q")  # form id -> its two hashes
        self.h2 = array("Q")

    def reset(self) -> None:
        """Forget every token (the term ids stay: postings refer to them)."""
        self.clear()
        self.npos = array("i")
        self.first = array("i", [0])
        self.count = []
        self.terms = array("i")
        self.rels = array("i")
        self.form_first = array("i", [0])
        self.form_ids = array("i")
        self.forms = {}
        self.h1 = array("Q")
        self.h2 = array("Q")

    def __missing__(self, token: str) -> int:
        npos, pairs = self.analysis.index_items(token)
        if token.isalpha() and token.isprintable():
            # a plain word: its form is the folded word when the analysis
            # indexes it (both follow form_of), without asking form_of again
            word_forms = [fold(token)] if pairs else []
        else:
            word_forms = token_forms(token)
        forms = self.forms
        for form in word_forms:
            fid = forms.get(form)
            if fid is None:
                fid = forms[form] = len(forms)
                a, b = form_hash(form)
                self.h1.append(a)
                self.h2.append(b)
            self.form_ids.append(fid)
        self.form_first.append(len(self.form_ids))
        vocab = self.vocab
        setdefault = vocab.setdefault
        # a new term gets the next id (len is taken before it is added)
        self.terms.extend([setdefault(term, len(vocab)) for _, term in pairs])
        self.rels.extend([rel for rel, _ in pairs])
        self.npos.append(npos)
        self.first.append(len(self.terms))
        self.count.append(len(pairs))
        i = len(self.count) - 1
        self[token] = i
        return i

    def forms_of(self, tok: np.ndarray, ntok: np.ndarray) -> list[bytes]:
        """The word forms filters (``index/forms.py``) of documents whose token
        ids are ``tok``, ``ntok[i]`` of them for document ``i``, all at once."""
        ndocs = len(ntok)
        if not ndocs:
            return []
        form_first = np.frombuffer(self.form_first, dtype=np.int32)
        start = form_first[tok]
        cnt = (form_first[tok + 1] - start).astype(np.int64)
        total = int(cnt.sum())
        if not total:
            return [b""] * ndocs
        idx = _ranges(start, cnt)
        nforms = len(self.forms)
        doc_of = np.repeat(np.repeat(np.arange(ndocs, dtype=np.int64), ntok), cnt)
        # each (document, form) once: sorted packed keys, repeats dropped
        key = doc_of * nforms
        key += np.frombuffer(self.form_ids, dtype=np.int32)[idx]
        key.sort()
        key = key[np.r_[True, key[1:] != key[:-1]]]
        doc_of, fids = np.divmod(key, nforms)
        h1 = np.frombuffer(self.h1, dtype=np.uint64)[fids]
        h2 = np.frombuffer(self.h2, dtype=np.uint64)[fids]
        return blooms(doc_of, h1, h2, ndocs)


class _FieldPostings:
    """One German field's postings in a segment, in the order they came.

    Posting ``i`` is term ``tids[i]`` in document ``docs[i]`` with
    ``freqs[i]`` positions, the next ones in ``positions``. The latest
    documents wait as token ids (``pending``, ``pending_docs`` and the
    number of tokens of each, ``pending_counts``) until they are grouped.
    """

    __slots__ = (
        "docs",
        "forms_sink",
        "freqs",
        "lengths",
        "pending",
        "pending_counts",
        "pending_docs",
        "positions",
        "table",
        "tids",
    )

    def __init__(self, table: TokenTable) -> None:
        self.tids = array("I")
        self.docs = array("I")
        self.freqs = array("I")
        self.positions = array("I")
        self.lengths = array("I")  # field length of each document of the segment
        self.table = table
        self.pending = array("i")
        self.pending_docs = array("i")
        self.pending_counts = array("i")
        #: where the documents' word forms filters go, if this field makes them
        self.forms_sink: Callable[[np.ndarray, list[bytes]], None] | None = None


class FastSegmentWriter(SegmentWriter):  # type: ignore[misc]
    """A :class:`SegmentWriter` with in-memory postings for German text fields."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        kwargs.setdefault("codec", W3Codec())
        super().__init__(ix, **kwargs)
        self._german: dict[str, _FieldPostings] = {}
        self._vocab: dict[str, int] = {}  # term -> id, for all German fields
        self._tables: dict[GermanAnalysis, TokenTable] = {}  # one per analysis
        self._fast_fields = {
            name
            for name, fieldobj in self.schema.items()
            if isinstance(fieldobj.analyzer, GermanAnalyzer)
            and type(fieldobj.format).__name__ == "GermanPositions"
            and fieldobj.indexed
            and not fieldobj.vector
            and not fieldobj.separate_spelling()
        }
        # the other indexed fields (ids, tags, dates): their postings in a
        # list per field, written by _write_exact_field
        self._exact_fields = {
            name
            for name, fieldobj in self.schema.items()
            if name not in self._fast_fields
            and fieldobj.indexed
            and not fieldobj.vector
            and not fieldobj.separate_spelling()
        }
        self._exact: dict[str, list[tuple[bytes, int, float, bytes]]] = {}
        self._dates: dict[tuple[str, dt.datetime], tuple[Any, ...]] = {}
        self._merged = False  # documents of other segments were added (add_reader)
        # the word forms column (index/forms.py), filled from the tokens of
        # FORMS_SOURCE when the schema has it
        self._forms_type = (
            self.schema[FORMS_COLUMN].column_type if FORMS_COLUMN in self.schema else None
        )

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
            elif name in self._exact_fields:
                fieldboost = self._field_boost(fields, name, docboost)
                postings = self._exact.setdefault(name, [])
                for tbytes, freq, weight, vbytes in self._exact_terms(name, fieldobj, value):
                    if fieldobj.scorable:
                        length += freq
                    postings.append((tbytes, docnum, weight * fieldboost, vbytes))
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

    def _exact_terms(self, name: str, fieldobj: Any, value: Any) -> Any:
        """What a value of an exact field indexes as; for a date, remembered:
        Whoosh makes eight terms of a date, one at a time, and the articles
        of a day share them."""
        if not isinstance(value, dt.datetime):
            return fieldobj.index(value)
        key = (name, value)
        terms = self._dates.get(key)
        if terms is None:
            if len(self._dates) >= MAX_DATES:
                self._dates.clear()
            terms = self._dates[key] = tuple(fieldobj.index(value))
        return terms

    def _add_fast(self, name: str, fieldobj: Any, docnum: int, value: str) -> int:
        buf = self._german.get(name)
        if buf is None:
            analysis = fieldobj.analyzer.analysis
            table = self._tables.get(analysis)
            if table is None:
                table = self._tables[analysis] = TokenTable(analysis, self._vocab)
            buf = self._german[name] = _FieldPostings(table)
            if name == FORMS_SOURCE and self._forms_type is not None:
                buf.forms_sink = self._add_forms
        table = buf.table
        if len(table) > MAX_TOKENS:
            self._group_all()
            table.reset()
        ids = list(map(table.__getitem__, TOKEN_RE.findall(value)))
        length = sum(map(table.count.__getitem__, ids))
        if length:
            buf.pending.extend(ids)
            buf.pending_docs.append(docnum)
            buf.pending_counts.append(len(ids))
            if len(buf.pending) > PENDING_TOKENS:
                _group(buf)
        lengths = buf.lengths
        offset = docnum - self.docbase
        if len(lengths) <= offset:
            lengths.extend(itertools.repeat(0, offset + 1 - len(lengths)))
        lengths[offset] = length
        return length

    def _add_forms(self, docnums: np.ndarray, filters: list[bytes]) -> None:
        """Write documents' word forms filters to their column (in document
        order: :meth:`_group` goes through the documents in the order they
        came, and :meth:`add_reader` groups the waiting ones first)."""
        perdoc = self.perdocwriter
        if not perdoc._has_column(FORMS_COLUMN):
            perdoc._create_column(FORMS_COLUMN, self._forms_type)
        column = perdoc._get_column(FORMS_COLUMN)
        for docnum, value in zip(docnums.tolist(), filters, strict=True):
            if value:
                column.add(docnum, value)

    def add_reader(self, reader: Any) -> None:
        """Add a segment's documents (a merge), after the waiting documents.

        Whoosh puts the merged documents' postings of every field in its
        pool; this writer's own postings then go there too when the segment
        is written (:meth:`_pool_own_postings`), so each field's terms are
        written once, in order.
        """
        self._group_all()
        self._merged = True
        super().add_reader(reader)

    def _pool_own_postings(self) -> None:
        """Move this writer's own postings (German and exact fields) into
        Whoosh's pool, beside those of merged segments: the pool writes each
        field's terms in one sorted run (written apart, a field's terms would
        come twice, the second run after other fields' terms, which the term
        table refuses). Whoosh's pace, for the writes that merge segments."""
        add = self.pool.add
        for name in sorted(self._exact):
            for tbytes, docnum, weight, vbytes in self._exact.pop(name):
                add((name, tbytes, docnum, weight, vbytes))
        terms = list(self._vocab)  # id -> term
        for name in sorted(self._german):
            buf = self._german.pop(name)
            fmt = self.schema[name].format
            boost = fmt.field_boost
            positions = buf.positions
            at = 0
            for tid, docnum, freq in zip(buf.tids, buf.docs, buf.freqs, strict=True):
                plist = positions[at : at + freq]
                at += freq
                add((name, terms[tid].encode("utf-8"), docnum, freq * boost, fmt.encode(plist)))

    def _group_all(self) -> None:
        """Make the postings of every field's waiting documents."""
        for buf in self._german.values():
            _group(buf)

    def clear_analysis_caches(self) -> None:
        """Empty the caches of the German fields' analysis and the token
        tables (no more documents are coming to this writer)."""
        self._group_all()
        for table in self._tables.values():
            table.reset()
        for name in self._fast_fields:
            self.schema[name].analyzer.analysis.clear_caches()

    def _flush_segment(self) -> None:
        """Write the pooled postings (other fields), then the German fields'."""
        self._group_all()  # before the columns close: it writes the forms column
        if self._merged:
            self._pool_own_postings()
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        fieldwriter = self.fieldwriter
        lengths = _Lengths(pdr) if pdr is not None else None
        fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        # field ids grow with each start_field, so the other fields' keys
        # (field id + term) follow the pooled ones in the term table
        for name in sorted(self._exact):
            _write_exact_field(fieldwriter, name, self.schema[name], self._exact.pop(name), lengths)
        self._group_all()
        terms = list(self._vocab)  # id -> term
        for name in sorted(self._german):
            self._write_fast_field(name, terms)
        fieldwriter.close()
        if pdr:
            pdr.close()

    def _write_fast_field(self, name: str, terms: list[str]) -> None:
        """Write one German field's postings in Whoosh's W3 block format."""
        fw = self.fieldwriter
        fieldobj = self.schema[name]
        buf = self._german.pop(name)
        fw.start_field(name, fieldobj)
        if len(buf.tids):
            _write_field(fw, buf, terms, fieldobj.format.field_boost, self.docbase)
        fw.finish_field()


def _group(buf: _FieldPostings) -> None:
    """Turn the waiting documents' token ids into postings, all at once.

    Each token's items sit at the token's position (the positions the
    tokens before it in its document take) plus their own offset; sorted by
    document, term and position, each run of one term in one document is a
    posting.
    """
    if not buf.pending:
        return
    table = buf.table
    # copies: the arrays are emptied for the next documents below
    tok = np.array(buf.pending, dtype=np.int32)
    ntok = np.array(buf.pending_counts, dtype=np.int64)
    docnums = np.array(buf.pending_docs, dtype=np.int64)
    del buf.pending[:], buf.pending_docs[:], buf.pending_counts[:]
    if buf.forms_sink is not None:
        buf.forms_sink(docnums, table.forms_of(tok, ntok))
    # each token's first position in its document
    npos = np.frombuffer(table.npos, dtype=np.int32)[tok]
    pos = np.cumsum(npos, dtype=np.int64)
    pos -= npos
    doc_first = np.cumsum(ntok) - ntok  # each document's first token
    pos -= np.repeat(pos[doc_first], ntok)
    # the items of each token
    first = np.frombuffer(table.first, dtype=np.int32)
    start = first[tok]
    cnt = first[tok + 1] - start
    idx = _ranges(start, cnt)
    tids = np.frombuffer(table.terms, dtype=np.int32)[idx].astype(np.int64)
    positions = np.repeat(pos, cnt)
    positions += np.frombuffer(table.rels, dtype=np.int32)[idx]
    doc_of = np.repeat(np.arange(len(ntok), dtype=np.int64), np.add.reduceat(cnt, doc_first))
    doc_of, tids, positions = _by_document_term_position(doc_of, tids, positions, len(table.vocab))
    starts = np.flatnonzero(np.r_[True, (doc_of[1:] != doc_of[:-1]) | (tids[1:] != tids[:-1])])
    buf.tids.frombytes(tids[starts].astype(np.uint32).tobytes())
    buf.docs.frombytes(docnums[doc_of[starts]].astype(np.uint32).tobytes())
    buf.freqs.frombytes(np.diff(np.r_[starts, len(tids)]).astype(np.uint32).tobytes())
    buf.positions.frombytes(positions.astype(np.uint32).tobytes())


def _ranges(start: np.ndarray, cnt: np.ndarray) -> np.ndarray:
    """The indexes ``start[i] .. start[i] + cnt[i] - 1`` of every ``i``, in a row
    (the items of each token in a token table's flat arrays)."""
    idx = np.repeat(start - (np.cumsum(cnt) - cnt), cnt)
    idx += np.arange(len(idx), dtype=idx.dtype)
    return idx


#: sort keys (document, term, position) are packed into one number below this
KEY_LIMIT = 2**63


def _by_document_term_position(
    doc_of: np.ndarray, tids: np.ndarray, positions: np.ndarray, nterms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The items sorted by document, term and position (each such triple is
    unique). Packed into one int64 key a plain sort does it, several times
    faster than a lexical sort of the three arrays."""
    span = int(positions.max()) + 1
    if (int(doc_of[-1]) + 1) * nterms * span <= KEY_LIMIT:
        key = doc_of * nterms
        key += tids
        key *= span
        key += positions
        key.sort()
        rest, positions = np.divmod(key, span)
        doc_of, tids = np.divmod(rest, nterms)
        return doc_of, tids, positions
    order = np.lexsort((positions, tids, doc_of))
    return doc_of[order], tids[order], positions[order]


class _Lengths:
    """The field lengths Whoosh's posting writer asks for, posting by posting.

    Whoosh's per-document reader looks for a field's length column on disk
    each time the field has none (an ``id`` or ``date`` field: one ``stat``
    per posting); this remembers which fields have one.
    """

    def __init__(self, pdr: Any) -> None:
        self._pdr = pdr
        self._has: dict[str, bool] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> Any:
        has = self._has.get(fieldname)
        if has is None:
            has = self._has[fieldname] = bool(self._pdr.has_column(_lenfield(fieldname)))
        if not has:
            return default
        return self._pdr.doc_field_length(docnum, fieldname, default)


def _ints(data: array[int]) -> np.ndarray:
    """An ``array('I')`` as an int32 numpy array, without a copy where it can
    (document numbers, positions and counts stay far below 2**31)."""
    if data.itemsize == 4:
        return np.frombuffer(data, dtype=np.int32)
    return np.asarray(data, dtype=np.int32)  # pragma: no cover - 'I' is 4 bytes here


def _write_field(
    fw: Any, buf: _FieldPostings, terms: list[str], boost: float, docbase: int
) -> None:
    """Sort, encode and write one field's postings (term by term, in byte order)."""
    tids, docs, freqs = _ints(buf.tids), _ints(buf.docs), _ints(buf.freqs)
    n = len(tids)
    # each position as the gap to the one before in its posting (the first whole)
    offs = np.cumsum(freqs, dtype=np.int32) - freqs  # where each posting's positions begin
    positions = _ints(buf.positions)
    gaps = np.diff(positions, prepend=0).astype(np.int32)
    gaps[offs] = positions[offs]
    del positions
    # the terms of this field in the order of their UTF-8 bytes
    present = np.flatnonzero(np.bincount(tids, minlength=len(terms)))  # sorted, each once
    keys = [terms[i].encode("utf-8") for i in present.tolist()]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    keys = [keys[i] for i in order]
    rank = np.zeros(len(terms), dtype=np.int32)
    rank[present[np.asarray(order, dtype=np.int64)]] = np.arange(len(order), dtype=np.int32)
    del present, order
    # postings by term, then document (documents came in rising order): a
    # stable sort by term, as one sort of int64 keys (term rank, posting);
    # twice as fast as numpy's stable argsort
    key = rank[tids].astype(np.int64)
    del tids, rank
    key <<= 32
    key |= np.arange(n, dtype=np.int64)
    key.sort()
    tstart = np.flatnonzero(np.diff(key >> 32, prepend=-1))
    perm = key & 0xFFFFFFFF
    del key
    sorted_postings = _Sorted(
        docs[perm], freqs[perm], offs[perm], gaps, _ints(buf.lengths), docbase
    )
    del perm, offs
    tend = np.r_[tstart[1:], n]
    # a stretch of terms at a time: arrays and Python objects for those only
    out = _Out(fw, boost)
    t0 = 0
    while t0 < len(keys):
        t1 = int(np.searchsorted(tend, tstart[t0] + CHUNK_POSTINGS, side="right"))
        t1 = min(max(t1, t0 + 1), t0 + CHUNK_TERMS)
        out.terms(keys[t0:t1], tstart[t0:t1], tend[t0:t1], sorted_postings)
        t0 = t1
    out.flush()


@dataclass
class _Sorted:
    """A field's postings sorted by term and document."""

    docs: np.ndarray
    freqs: np.ndarray
    offs: np.ndarray  # where each posting's gaps begin in ``gaps``
    gaps: np.ndarray
    doclen: np.ndarray  # each document's field length
    docbase: int


class _Out:
    """Writes the posting lists and term infos of a field, a stretch of terms at a time."""

    def __init__(self, fw: Any, boost: float) -> None:
        self.fw = fw
        self.boost = boost
        self.postfile = fw._postfile
        self.pos = self.postfile.tell()
        self.pending: list[bytes] = []  # posting bytes not yet written
        self.pending_size = 0
        self.key_prefix = pack_ushort(fw._fieldid)

    def terms(self, keys: list[bytes], tstart: np.ndarray, tend: np.ndarray, p: _Sorted) -> None:
        """Write the terms ``keys``, whose postings are ``tstart..tend`` in ``p``."""
        boost = self.boost
        weights_int = boost == 1
        lo, hi = int(tstart[0]), int(tend[-1])
        docs, freqs = p.docs[lo:hi].astype(np.int64), p.freqs[lo:hi].astype(np.int64)
        tstart, tend = tstart - lo, tend - lo
        df = tend - tstart
        # blocks of at most BLOCK postings; each term starts a block
        nblocks = (df + BLOCK - 1) // BLOCK
        first_block = np.cumsum(nblocks) - nblocks
        bstart = np.repeat(tstart, nblocks) + BLOCK * (
            np.arange(int(nblocks.sum())) - np.repeat(first_block, nblocks)
        )
        bend = np.minimum(bstart + BLOCK, np.repeat(tend, nblocks))
        # document numbers delta-coded within each block (the first one whole)
        deltas = np.diff(docs, prepend=0)
        deltas[bstart] = docs[bstart]
        lens = p.doclen[docs - p.docbase].astype(np.int64)
        missing = np.iinfo(np.int64).max  # no (non-empty) document: Whoosh's None
        nonzero = np.where(lens > 0, lens, missing)

        def per_group(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            """Sum and maximum of the frequencies, shortest (non-empty) and
            longest document of each group of postings starting at ``starts``."""
            return (
                np.add.reduceat(freqs, starts),
                np.maximum.reduceat(freqs, starts),
                np.minimum.reduceat(nonzero, starts),
                np.maximum.reduceat(lens, starts),
            )

        t_sum, t_max, t_minlen, t_maxlen = per_group(tstart)
        _b_sum, b_max_a, b_minlen, b_maxlen = per_group(bstart)
        # the fixed head of every term info (Whoosh's W3TermInfo layout), at once
        heads = np.zeros(len(keys), dtype=_HEAD)
        heads["inlined"] = df == 1
        heads["weight"] = t_sum * boost
        heads["df"] = df
        heads["minlength"] = _length_bytes(t_minlen, missing)
        heads["maxlength"] = _length_bytes(t_maxlen, missing)
        heads["maxweight"] = t_max * boost
        heads["minid"] = docs[tstart]
        heads["maxid"] = docs[tend - 1]
        head_bytes = heads.tobytes()
        # Python objects for the postings and blocks
        docs_l = docs.tolist()
        deltas_l = deltas.tolist()
        freqs_l = freqs.tolist()
        values, vstart = _encode_values(p.gaps, freqs, p.offs[lo:hi])
        values_l = [values[x:y] for x, y in itertools.pairwise(vstart.tolist())]
        bstart_l, bend_l = bstart.tolist(), bend.tolist()
        b_max = b_max_a.tolist()
        b_minbyte = _length_bytes(b_minlen, missing).tolist()
        b_maxbyte = _length_bytes(b_maxlen, missing).tolist()
        tails: list[bytes] = []  # after each term info's fixed head
        pending = self.pending
        pos = self.pos
        blk = 0
        for a, b in zip(tstart.tolist(), tend.tolist(), strict=True):
            if b - a == 1:  # inlined into the term info
                weight = float(freqs_l[a] * boost)
                tails.append(pickle.dumps(((docs_l[a],), (weight,), (values_l[a],)), 4))
                blk += 1
                continue
            start = pos
            pending.append(WHOOSH3_HEADER_MAGIC)
            pos += len(WHOOSH3_HEADER_MAGIC)
            while True:
                x, y = bstart_l[blk], bend_l[blk]
                if not weights_int:
                    mini_weights: tuple[Any, ...] | None = tuple(f * boost for f in freqs_l[x:y])
                elif b_max[blk] == 1:
                    mini_weights = None  # all 1
                else:
                    mini_weights = tuple(freqs_l[x:y])
                block = _block(
                    (tuple(deltas_l[x:y]), mini_weights, tuple(values_l[x:y])),
                    (
                        y - x,
                        docs_l[y - 1],
                        float(b_max[blk] * boost),
                        b_minbyte[blk],
                        b_maxbyte[blk],
                    ),
                    last=y == b,
                )
                pending.append(block)
                pos += len(block)
                blk += 1
                if y == b:
                    break
            tails.append(pack_long(start) + pack_int(pos - start))
            self.pending_size += pos - start
        self.pos = pos
        if self.pending_size > WRITE_BYTES:
            self.flush()
        size = _HEAD.itemsize
        prefix = self.key_prefix
        _add_terms(
            self.fw._tindex,
            [prefix + key for key in keys],
            [head_bytes[i * size : (i + 1) * size] + tail for i, tail in enumerate(tails)],
        )

    def posting_list(
        self,
        ids: list[int],
        weights: list[float],
        values: list[Any],
        lens: list[int],
        fixed: int | None,
    ) -> bytes:
        """Gather one term's postings in Whoosh's layout (any weights and
        values, in Python: for the small fields); return its term info."""
        nonzero = [x for x in lens if x]
        head = _HEAD_STRUCT.pack(
            len(ids) == 1,
            sum(weights),
            len(ids),
            length_to_byte(min(nonzero)) if nonzero else 0,
            length_to_byte(max(lens)),
            max(weights),
            ids[0],
            ids[-1],
        )
        if len(ids) == 1:
            return head + pickle.dumps((tuple(ids), tuple(weights), tuple(values)), 4)
        start = self.pos
        self.pending.append(WHOOSH3_HEADER_MAGIC)
        self.pos += len(WHOOSH3_HEADER_MAGIC)
        for x in range(0, len(ids), BLOCK):
            y = min(len(ids), x + BLOCK)
            bids, bweights, blens = ids[x:y], weights[x:y], lens[x:y]
            mini_weights: Any = tuple(bweights)
            if all(w == 1.0 for w in bweights):
                mini_weights = None
            elif all(w == bweights[0] for w in bweights):
                mini_weights = bweights[0]
            deltas = [bids[0]] + [b - a for a, b in itertools.pairwise(bids)]
            # values as Whoosh's _mini_values: by the format's fixed value size
            if fixed is None or fixed < 0:
                mini_values: Any = tuple(values[x:y])
            elif fixed == 0:
                mini_values = None
            else:
                mini_values = b"".join(values[x:y])
            bnonzero = [v for v in blens if v]
            block = _block(
                (tuple(deltas), mini_weights, mini_values),
                (
                    y - x,
                    bids[-1],
                    max(bweights),
                    length_to_byte(min(bnonzero) if bnonzero else None),
                    length_to_byte(max(blens)),
                ),
                last=y == len(ids),
            )
            self.pending.append(block)
            self.pos += len(block)
        self.pending_size += self.pos - start
        if self.pending_size > WRITE_BYTES:
            self.flush()
        extent: bytes = pack_long(start) + pack_int(self.pos - start)
        return head + extent

    def flush(self) -> None:
        """Write the posting bytes gathered so far."""
        self.postfile.write(b"".join(self.pending))
        self.pending.clear()
        self.pending_size = 0
        if self.postfile.tell() != self.pos:  # pragma: no cover - a broken invariant
            raise RuntimeError(f"posting file at {self.postfile.tell()}, expected {self.pos}")


def _block(data: tuple[Any, Any, Any], info: tuple[Any, ...], *, last: bool) -> bytes:
    """One block of a W3 posting list: its length (negative for the term's
    last block), the pickled info (postings, last document, maximum weight,
    then :data:`COMPRESSION` and the shortest and longest document's length
    bytes) and the compressed pickled (document deltas, weights, values)."""
    count, last_id, max_weight, min_byte, max_byte = info
    packed = zlib.compress(pickle.dumps(data, 4), COMPRESSION)
    head = pickle.dumps((count, last_id, max_weight, COMPRESSION, min_byte, max_byte), 2)
    length = len(head) + len(packed)
    size: bytes = pack_int(-length if last else length)
    return size + head + packed


def _write_exact_field(
    fw: Any, name: str, fieldobj: Any, postings: list[tuple[bytes, int, float, bytes]], lengths: Any
) -> None:
    """Write a field that is not German text (ids, tags, authors, dates).

    What Whoosh's writer writes, except that a term in one document (an id,
    a file) is inlined into the term table rather than given a compressed
    block of its own.
    """
    postings.sort(key=_first)  # stable: each term's documents stay in order
    fixed = fieldobj.format.fixed_value_size()
    no_values = fixed == 0  # the reader ignores them
    fw.start_field(name, fieldobj)
    out = _Out(fw, 1.0)
    keys: list[bytes] = []
    infos: list[bytes] = []
    for key, group in itertools.groupby(postings, key=_first):
        items = list(group)
        ids = [item[1] for item in items]
        weights = [item[2] for item in items]
        values = [None if no_values else item[3] for item in items]
        lens = [lengths.doc_field_length(d, name) or 0 for d in ids] if lengths else [0] * len(ids)
        keys.append(out.key_prefix + key)
        infos.append(out.posting_list(ids, weights, values, lens, fixed))
        if len(keys) >= CHUNK_TERMS:
            _add_terms(fw._tindex, keys, infos)
            keys, infos = [], []
    _add_terms(fw._tindex, keys, infos)
    out.flush()
    fw.finish_field()


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


#: the fixed part of a W3 term info, ``struct.Struct("!BfIBBfII")``
_HEAD = np.dtype(
    [
        ("inlined", "u1"),
        ("weight", ">f4"),
        ("df", ">u4"),
        ("minlength", "u1"),
        ("maxlength", "u1"),
        ("maxweight", ">f4"),
        ("minid", ">u4"),
        ("maxid", ">u4"),
    ]
)
#: posting bytes gathered before a write
WRITE_BYTES = 1 << 22
_LENGTH_BYTES = np.asarray([byte_to_length(i) for i in range(256)], dtype=np.int64)
_HEAD_STRUCT = struct.Struct("!BfIBBfII")  # the same layout as _HEAD, one term at a time
_RECORD = struct.Struct("!ii")  # Whoosh's hash file record: key and value lengths
#: the largest number each array type Whoosh's GrowableArray uses holds
_ARRAY_MAX = {
    "B": 2**8 - 1,
    "H": 2**16 - 1,
    "i": 2**31 - 1,
    "I": 2**32 - 1,
    "q": 2**63 - 1,
}


def _length_bytes(lengths: np.ndarray, missing: int) -> np.ndarray:
    """Whoosh's ``length_to_byte`` of many lengths (``missing`` stands for None: 0)."""
    out = np.searchsorted(_LENGTH_BYTES, lengths, side="left")
    out = np.minimum(out, 255)
    out[lengths >= 106374] = 255
    out[lengths == missing] = 0
    return out.astype(np.uint8)


def _add_terms(tindex: Any, keys: list[bytes], values: list[bytes]) -> None:
    """``OrderedHashWriter.add`` for sorted ``keys`` at once: the same records,
    hash buckets and key index, in one write."""
    if not keys:
        return
    if keys[0] <= tindex.lastkey:  # pragma: no cover - fields come in id order
        raise ValueError(f"keys must increase: {tindex.lastkey!r}..{keys[0]!r}")
    dbfile = tindex.dbfile
    pos = dbfile.tell()
    records: list[bytes] = []
    starts: list[int] = []
    hashfn = tindex.hashfn
    if hashfn is md5_hash:  # the same number, without the hex round trip
        hashfn = _md5_low32
    buckets = tindex.buckets
    pack = _RECORD.pack
    for key, value in zip(keys, values, strict=True):
        starts.append(pos)
        records.append(pack(len(key), len(value)))
        records.append(key)
        records.append(value)
        h = hashfn(key)
        buckets[h & 255].append((h, pos))
        pos += 8 + len(key) + len(value)
    dbfile.write(b"".join(records))
    # the key positions, as GrowableArray.append would store them one by one
    index = tindex.index
    if isinstance(index.array, array) and starts[-1] > _ARRAY_MAX.get(index.array.typecode, 0):
        index._retype(starts[-1])
    index.array.extend(starts)
    tindex.lastkey = keys[-1]


def _md5_low32(key: bytes) -> int:
    """Whoosh's ``md5_hash``: the low 32 bits of the key's MD5 digest."""
    return int.from_bytes(hashlib.md5(key).digest()[-4:], "big")


def _encode_values(
    gaps: np.ndarray, freqs: np.ndarray, offs: np.ndarray
) -> tuple[bytes, np.ndarray]:
    """The :class:`~index.analysis.GermanPositions` values (a varint count, then
    the varint gaps between the positions) of postings with ``freqs``
    positions starting at ``offs`` in ``gaps``, as one bytes object and the
    start of each value in it (one more at the end)."""
    n = len(freqs)
    total = int(freqs.sum())
    # the numbers to encode: each posting's count, then its gaps
    first = np.cumsum(freqs + 1) - (freqs + 1)
    seq = np.empty(n + total, dtype=np.int64)
    seq[first] = freqs
    within = np.arange(total) - np.repeat(np.cumsum(freqs) - freqs, freqs)
    seq[np.repeat(first + 1, freqs) + within] = gaps[np.repeat(offs, freqs) + within]
    # varints: 7 bits a byte, the high bit set on all bytes but the last
    nbytes = np.ones(len(seq), dtype=np.int64)
    for k in (7, 14, 21, 28):
        nbytes += seq >= (1 << k)
    out_start = np.cumsum(nbytes) - nbytes
    out = np.empty(int(nbytes.sum()), dtype=np.uint8)
    for b in range(5):
        sel = np.flatnonzero(nbytes > b)
        if not len(sel):
            break
        byte = (seq[sel] >> (7 * b)) & 0x7F
        byte |= (nbytes[sel] > b + 1).astype(np.int64) << 7
        out[out_start[sel] + b] = byte
    vstart = np.r_[out_start[first], len(out)]
    return out.tobytes(), vstart
