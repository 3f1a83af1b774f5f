"""A :class:`~askcorpus.records.PassageFilter` as SQL conditions over a passage ``p`` and its
document ``d``, applied inside both searches (so a narrow filter still yields its best ``k``).

Semantics: the filter's docstring. Phrases (``required``/``excluded``) are matched as the
keyword side matches a phrase clause: the passage's tokens side by side, in order
(:mod:`askcorpus.store.postgres.lexical`); a phrase whose words fold to no token narrows
nothing.
"""

from __future__ import annotations

from askcorpus.records import PassageFilter
from askcorpus.store.postgres.lexical import tokens, tsquery_literal


def conditions(where: PassageFilter | None) -> tuple[str, dict[str, object]]:
    """``AND …`` SQL (empty when ``where`` narrows nothing) and its named parameters."""
    if not where:
        return "", {}
    sql: list[str] = []
    params: dict[str, object] = {}
    if where.folder:
        folder = where.folder.strip("/")
        sql.append("(d.source = %(f_folder)s OR left(d.source, %(f_len)s) = %(f_prefix)s)")
        params.update(f_folder=folder, f_len=len(folder) + 1, f_prefix=folder + "/")
    if where.kinds:
        sql.append("d.kind = ANY(%(f_kinds)s)")
        params["f_kinds"] = sorted(where.kinds)
    if where.after:
        sql.append("d.date IS NOT NULL AND d.date >= %(f_after)s")
        params["f_after"] = where.after
    if where.before:
        sql.append("d.date IS NOT NULL AND d.date < %(f_before)s")
        params["f_before"] = where.before
    if where.languages:
        sql.append("d.language = ANY(%(f_languages)s)")
        params["f_languages"] = where.stored_languages
    for n, phrase in enumerate(where.required):
        stems = tokens(" ".join(phrase))
        if stems:
            sql.append(f"p.tsv @@ %(f_req{n})s::tsquery")
            params[f"f_req{n}"] = tsquery_literal(stems)
    for n, phrase in enumerate(where.excluded):
        stems = tokens(" ".join(phrase))
        if stems:
            sql.append(f"NOT p.tsv @@ %(f_exc{n})s::tsquery")
            params[f"f_exc{n}"] = tsquery_literal(stems)
    if where.exclude_sources:
        sql.append("d.source <> ALL(%(f_sources)s)")
        params["f_sources"] = sorted(where.exclude_sources)
    return "".join(f" AND {c}" for c in sql), params
