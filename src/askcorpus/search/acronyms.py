"""Acronyms a question types for names its corpus spells out: "CNPC" asked of a text that only
writes "China National Petroleum Corporation".

The absence estimate counts a term found nowhere in the corpus as evidence that the answer is
missing, and a name found nowhere weighs most; an acronym the corpus never uses is such a name,
and it turned a question whose answer comes first ("How much was the gas deal between Gazprom
and CNPC worth?") into "not in this corpus" (probability 0.13; 0.94 with the name spelt out).
So an acronym found nowhere is looked for, letter by letter, as the initials of a run of
capitalised words in the best passages (small words such as "of" or "and" between them
allowed), and the question is read with that run in its place. Ranking is not touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# As typed in the question: two to eight capitals (a lone capital is a word, not an acronym).
_ACRONYM = re.compile(r"\b[A-Z]{2,8}\b")
_WORD = re.compile(r"[^\W\d_][\w’'\-]*")
# Words a name may hold between its capitalised ones without giving them a letter.
_CONNECTORS = frozenset({"of", "and", "for", "the", "on", "in", "de", "&"})


def typed_acronyms(question: str, absent: Iterable[str]) -> list[str]:
    """The acronyms of ``question`` (all capitals as typed) among the terms ``absent``
    (lower-case terms found nowhere in the corpus), in question order."""
    missing = {t.lower() for t in absent}
    found = [m.group(0) for m in _ACRONYM.finditer(question)]
    return list(dict.fromkeys(a for a in found if a.lower() in missing))


def spelled_out(acronym: str, text: str) -> str | None:
    """The first run of capitalised words in ``text`` whose initials are the letters of
    ``acronym``, as the text writes it ("China National Petroleum Corporation" for "CNPC"); a
    small word between them ("of", "and") may give its letter or none ("Bank of China" is BOC
    or BC). None when there is none."""
    words = list(_WORD.finditer(text))
    letters = acronym.upper()
    for i, first in enumerate(words):
        if len(letters) > 1 and first.group(0)[0] == letters[0]:
            end = _name_end(text, words, i, letters, 1)
            if end is not None:
                return text[first.start() : end]
    return None


def _name_end(
    text: str, words: list[re.Match[str]], at: int, letters: str, matched: int
) -> int | None:
    """Where a name spelling ``letters`` ends when its word ``at`` gave letter ``matched - 1``
    (the words after it give the rest, separated by spaces only); None if they do not."""
    if matched == len(letters):
        return words[at].end()
    step = at + 1
    while step < len(words) and text[words[step - 1].end() : words[step].start()].isspace():
        word = words[step].group(0)
        small = word.lower() in _CONNECTORS and not word[0].isupper()
        if word[0].upper() == letters[matched] and (small or word[0].isupper()):
            end = _name_end(text, words, step, letters, matched + 1)
            if end is not None:
                return end
        if not small:  # only a small word may be passed over
            return None
        step += 1
    return None


def expanded(question: str, absent: Iterable[str], texts: Iterable[str]) -> str:
    """``question`` with each acronym found nowhere (``absent``) replaced by the name the
    passages ``texts`` spell it with, when one of them does; else unchanged."""
    acronyms = typed_acronyms(question, absent)
    if not acronyms:
        return question
    bodies = list(texts)
    for acronym in acronyms:
        name = next((n for t in bodies if (n := spelled_out(acronym, t)) is not None), None)
        if name is not None:
            # A replacement string reads backslashes as escapes: a name's own are doubled.
            question = re.sub(rf"\b{acronym}\b", name.replace("\\", r"\\"), question)
    return question
