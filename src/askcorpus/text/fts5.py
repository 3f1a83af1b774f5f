"""FTS5's own tokens and stems, read from SQLite itself.

The keyword index is FTS5 with ``porter unicode61 remove_diacritics 2``. Code that must agree
with it word for word — the PostgreSQL store, which indexes the same stems, and "every mention",
which locates each occurrence the index matched — asks SQLite's tokenizer rather than a second
stemmer: Snowball's "porter", for one, disagrees with FTS5's on about 0.4 % of SciFact's words
("methodology", "assembly", "incredibly"), and a phrase the index matched would then be missed
in the text. SQLite is used here as a library (an in-memory table), not as a store.
"""

from __future__ import annotations

import functools
import sqlite3
import threading

#: The local store's tokenizer (askcorpus.store.local creates its FTS5 table with it).
TOKENIZER = "porter unicode61 remove_diacritics 2"
_local = threading.local()


def _tokenizer() -> sqlite3.Connection:
    """This thread's in-memory FTS5 table (SQLite connections are not shared across threads)."""
    conn: sqlite3.Connection | None = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, tokenize='{TOKENIZER}')")
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        _local.conn = conn
    return conn


def tokens(text: str) -> list[str]:
    """The stems FTS5 indexes for ``text``, in order (about 1 ms per 200 words)."""
    return tokens_of_each([text])[0]


def tokens_of_each(texts: list[str]) -> list[list[str]]:
    """:func:`tokens` of each of ``texts``, in three statements for all of them (a keyword
    query's clauses: one at a time cost three statements each). The rows are inserted inside
    one transaction and rolled back: FTS5 reads its pending rows in the transaction, and
    nothing is ever committed to the table (one commit per row, then deleting them, cost 3.6x
    more; docs/benchmarks.md, session 8)."""
    if not texts:
        return []
    conn = _tokenizer()
    conn.execute("BEGIN")
    try:
        conn.executemany("INSERT INTO t (rowid, body) VALUES (?, ?)", enumerate(texts, 1))
        found: list[list[str]] = [[] for _ in texts]
        for doc, term in conn.execute("SELECT doc, term FROM v ORDER BY doc, offset"):
            found[doc - 1].append(term)
        return found
    finally:
        conn.execute("ROLLBACK")


@functools.lru_cache(maxsize=1 << 16)
def porter_stem(word: str) -> str:
    """FTS5's stem of one lower-case, diacritic-free word (the word itself when the tokenizer
    would split it or drop it: callers pass single unicode61 tokens, so that does not arise)."""
    found = tokens(word)
    return found[0] if len(found) == 1 else word
