"""A text's main language (ISO 639-1), detected offline with py3langid.

py3langid (BSD-3-Clause; a maintained fork of langid.py) is a naive-Bayes classifier over byte
n-grams for 97 languages whose model ships inside its wheel: nothing is downloaded, ever. A
detection costs well under a millisecond for the few thousand characters it reads: a long
document is judged by windows spread over it, not by its whole text. Text with too few letters
to judge (a table of numbers, a title) gets None rather than a guess. The result is what the
``lang:`` filter matches (``Document.language``).

Memory and start-up (issue #18): py3langid's own loader unpacks its 4.6 MB ``model.npz.xz`` into
70 MB of arrays in every process that detects a language (about 1 CPU-s, and an indexing run's
peak RSS grew by 70 MB over the encoder's, which it runs beside). Here the model is unpacked once
per machine into the cache folder (the plain ``.npz`` inside the ``.xz``, whose arrays numpy
stores uncompressed) and read from that file on demand: the DFA's transition rows and the
per-feature probabilities a text reaches are fetched with ``pread`` and kept in small bounded
caches, so a process holds a few MB of the model and loads it in milliseconds. Classification
itself is py3langid's own ``LanguageIdentifier`` over these arrays (the same code, the same
float16 values in the same order), so its answers are exactly py3langid's. Where the cache
cannot be written the model is loaded py3langid's way, in memory.
"""

from __future__ import annotations

import io
import logging
import lzma
import mmap
import os
import shutil
import struct
import threading
import zipfile
from array import array
from pathlib import Path
from typing import Any, Literal

import numpy as np

log = logging.getLogger(__name__)

#: Fewer letters than this (a caption, a number table) are too little to judge.
MIN_LETTERS = 12
#: Characters read from a long text: this many windows of ``_WINDOW`` characters.
_WINDOWS = 4
_WINDOW = 1500
#: Bounds of the on-demand caches: DFA rows (1 KB each) and feature rows (284 B each). A
#: SciFact abstract reaches ~700 rows and ~1,000 features, most of them shared with others (400
#: abstracts: ~8,900 rows, ~13,500 features); at most ~19 MB.
_ROW_CACHE = 12288
_FEATURE_CACHE = 16384

#: py3langid's model tells Chinese varieties apart by a few characters, and labels plain
#: Mandarin news text Wu (wuu) now and then (2 of our 12 Chinese test documents): a
#: ``lang:zh`` filter, and the advice to index Chinese documents by meaning, must see them all.
_FOLD = {"wuu": "zh", "yue": "zh"}

_lock = threading.Lock()
_identifier: Any = None
_unavailable = False
_cache_dir: Path | None = None
_class: Any = None
_TYPECODES: dict[int, Literal["H", "I", "Q"]] = {2: "H", 4: "I", 8: "Q"}


def use_cache_dir(folder: Path | None) -> None:
    """Keep the unpacked model under ``folder``/langid (None: ~/.cache/askcorpus); an entry
    point or the indexer calls this with ``Settings.cache_dir`` before the first detection."""
    global _cache_dir
    _cache_dir = folder


def release() -> None:
    """Forget the model until the next detection (the indexer calls this when a run has read
    its files): its caches, up to ~19 MB, go back to the system; loading again takes ms."""
    global _identifier
    with _lock:
        _identifier = None


def detect_language(text: str) -> str | None:
    """The main language of ``text`` as an ISO 639-1 code ("en", "ru", "zh", "de", ...), or
    None when the text has too few letters or py3langid is not installed."""
    sample = _sample(text)
    if sum(map(str.isalpha, sample)) < MIN_LETTERS:
        return None
    identifier = _load()
    if identifier is None:
        return None
    language, _score = identifier.classify(sample)
    if language == "zxx":  # "no linguistic content"
        return None
    return _FOLD.get(str(language), str(language))


def _sample(text: str) -> str:
    """The whole text when short, else windows from its start to its last quarter (a long
    document's end is often references or appendices in another language)."""
    if len(text) <= _WINDOWS * _WINDOW:
        return text
    step = (len(text) * 3 // 4) // _WINDOWS
    return "\n".join(text[i * step : i * step + _WINDOW] for i in range(_WINDOWS))


def _load() -> Any:
    global _identifier, _unavailable
    if _identifier is not None or _unavailable:
        return _identifier
    with _lock:
        if _identifier is None and not _unavailable:
            try:
                from py3langid import __version__
                from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
            except ImportError:
                log.warning("py3langid is not installed: document languages are not detected")
                _unavailable = True
                return None
            packed = Path(MODEL_DIR) / MODEL_FILE
            try:
                if not MODEL_FILE.endswith(".npz.xz"):  # an older py3langid's pickled model
                    raise ValueError(f"{MODEL_FILE} is not an xz-packed .npz")
                _identifier = _cached(packed, str(__version__))
            except (OSError, ValueError, KeyError, zipfile.BadZipFile, lzma.LZMAError) as exc:
                log.warning("language model read into memory (cache unusable: %s)", exc)
                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    return _identifier


def _cached(packed: Path, version: str) -> Any:
    """The identifier over the cache folder's unpacked model; a damaged file (a crash while it
    was written elsewhere, a full disk) is unpacked again once."""
    target = _unpacked(packed, version)
    try:
        return _on_demand(target)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("language model cache %s unreadable (%s); unpacking it again", target, exc)
        target.unlink(missing_ok=True)
        return _on_demand(_unpacked(packed, version))


def _unpacked(packed: Path, version: str) -> Path:
    """The model's plain ``.npz`` in the cache folder, unpacked from ``packed`` on first use
    (streamed, so never wholly in memory; written under a temporary name, then renamed)."""
    root = _cache_dir if _cache_dir is not None else Path.home() / ".cache" / "askcorpus"
    target = root / "langid" / f"py3langid-{version}-{packed.stat().st_size}.npz"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        with lzma.open(packed) as source, open(partial, "wb") as sink:
            shutil.copyfileobj(source, sink, length=1 << 20)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    log.info("unpacked the language model to %s", target)
    return target


def _on_demand(path: Path) -> Any:
    """py3langid's ``LanguageIdentifier`` over ``path``'s arrays: the two large ones (DFA rows,
    feature probabilities) read on demand, the small ones in memory."""
    with np.load(path, allow_pickle=False) as data:
        pc = data["pc"]
        classes = data["classes"].tolist()
        row = data["nextmove_row"]
        row_index = array("I" if row.dtype.itemsize == 4 else "H", row.tobytes())
        out_feat = array("i", data["out_feat"].astype(np.int32).tobytes())
    source = open(path, "rb", buffering=0)  # noqa: SIM115 - held by the caches, closed with them
    try:
        rows = _Rows(source, row_index, *_member(source.fileno(), path, "nextmove"))
        table = _Table(source, *_member(source.fileno(), path, "ptc"))
    except BaseException:
        source.close()
        raise
    # tk_row=(): py3langid would expand it into a 104k-entry list that only its own walk reads.
    return _identifier_class()(table, pc, classes, rows, out_feat, tk_row=())


def _identifier_class() -> Any:
    """py3langid's ``LanguageIdentifier`` with its DFA walk over :class:`_Rows` (made once)."""
    global _class
    if _class is not None:
        return _class
    from collections import Counter

    from py3langid.langid import RAW_FLOOR, LanguageIdentifier

    class OnDemand(LanguageIdentifier):
        """Only the walk is its own (py3langid's indexes an in-memory array); it yields the same
        feature counts in the same order, and scoring is py3langid's."""

        __slots__ = ()

        def _raw_score(self, text: bytes) -> np.ndarray:
            rows: _Rows = self.tk_nextmove
            lines, fetch, row_index, out_feat = rows.lines, rows.fetch, rows.index, self.tk_output
            state, found = 0, []
            for letter in text:
                line = lines[row_index[state]]
                if line is None:
                    line = fetch(row_index[state])
                state = line[letter]
                feature = out_feat[state]
                if feature >= 0:
                    found.append(feature)
            if found:
                return self._sparse_score(Counter(found), self.nb_ptc)
            fill = 0.0 if self._norm_probs else RAW_FLOOR
            return np.full(len(self.nb_classes), fill, dtype=np.float32)

    _class = OnDemand
    return _class


def _member(fd: int, path: Path, name: str) -> tuple[int, tuple[int, ...], np.dtype[Any]]:
    """Where array ``name``'s data starts in the ``.npz`` at ``path``, its shape and dtype
    (np.savez stores members uncompressed, so the bytes lie contiguous in the file)."""
    info = zipfile.ZipFile(path).getinfo(f"{name}.npy")
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"{name}.npy is compressed")
    local = os.pread(fd, 30, info.header_offset)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise ValueError(f"{name}.npy: bad zip header")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    head = io.BytesIO(os.pread(fd, 4096, start))
    version = np.lib.format.read_magic(head)
    read_header = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    shape, fortran, dtype = read_header(head)
    if fortran or dtype.hasobject:
        raise ValueError(f"{name}.npy is not a plain C-ordered array")
    offset = start + head.tell()
    if offset + int(np.prod(shape)) * dtype.itemsize > os.fstat(fd).st_size:
        raise ValueError(f"{name}.npy is truncated")
    return offset, tuple(shape), dtype


class _Rows:
    """The DFA's transition rows (256 next states each), read from the file a row at a time as
    the walk reaches them into slots of one anonymous mapping (returned to the system whole
    when the model is released); when the slots are full, all are forgotten and refilled."""

    __slots__ = ("_block", "_file", "_offset", "_size", "_typecode", "_used", "index", "lines")

    def __init__(
        self,
        source: io.RawIOBase,
        index: array[int],
        offset: int,
        shape: tuple[int, ...],
        dtype: np.dtype[Any],
    ):
        if dtype.kind != "u" or len(shape) != 1 or shape[0] % 256:
            raise ValueError("nextmove is not rows of 256 unsigned states")
        self._file, self._offset, self.index = source, offset, index
        self._size = 256 * dtype.itemsize
        # Pages of an anonymous mapping count only once written, and munmap frees them all.
        self._block = mmap.mmap(-1, _ROW_CACHE * self._size)
        self._used = 0
        #: Row number → its next states (a view of its slot), None until read: a list, so
        #: indexing it per byte is as cheap as py3langid's own array.
        self.lines: list[memoryview | None] = [None] * (shape[0] // 256)
        self._typecode = _TYPECODES[dtype.itemsize]

    def fetch(self, row: int) -> memoryview:
        """Read row ``row`` into a free slot and keep it."""
        if self._used >= _ROW_CACHE:
            self.lines[:] = [None] * len(self.lines)  # in place: a running walk holds the list
            self._used = 0
        start = self._used * self._size
        slot = memoryview(self._block)[start : start + self._size]
        if os.preadv(self._file.fileno(), [slot], self._offset + row * self._size) != self._size:
            raise OSError(f"language model file ended early (row {row})")
        line = slot.cast(self._typecode)
        self.lines[row] = line
        self._used += 1
        return line


class _Table:
    """The per-feature log-probabilities (features × classes, float16), as py3langid reads them
    (``table[feature_ids]``): a feature's row read into a slot of one anonymous mapping when
    first reached; when the slots are full, all are forgotten and refilled."""

    __slots__ = ("_block", "_file", "_offset", "_rows", "_size", "_slots")

    def __init__(
        self, source: io.RawIOBase, offset: int, shape: tuple[int, ...], dtype: np.dtype[Any]
    ):
        if len(shape) != 2:
            raise ValueError("ptc is not a features × classes table")
        self._file, self._offset = source, offset
        self._size = shape[1] * dtype.itemsize
        self._block = mmap.mmap(-1, _FEATURE_CACHE * self._size)
        self._rows = np.frombuffer(self._block, dtype=dtype).reshape(_FEATURE_CACHE, shape[1])
        self._slots: dict[int, int] = {}

    def __getitem__(self, features: np.ndarray) -> np.ndarray:
        wanted = features.tolist()
        if len(wanted) > _FEATURE_CACHE:
            raise ValueError("more features in one text than the cache holds")
        if len(self._slots) + len(wanted) > _FEATURE_CACHE:
            self._slots.clear()  # before the text, so its own rows stay put
        slots = []
        for feature in wanted:
            slot = self._slots.get(feature)
            if slot is None:
                slot = self._slots[feature] = len(self._slots)
                start = slot * self._size
                target = memoryview(self._block)[start : start + self._size]
                offset = self._offset + feature * self._size
                if os.preadv(self._file.fileno(), [target], offset) != self._size:
                    raise OSError(f"language model file ended early (feature {feature})")
            slots.append(slot)
        return self._rows[slots]
