"""Turning a question into keyword-search terms and a structured keyword query (each store
turns it into its own query language: FTS5 ``MATCH`` locally).

Chinese and Japanese write no spaces, so a run of CJK characters becomes its overlapping
character bigrams ("北京是首都" → 北京 京是 是首 首都), the usual unit of CJK keyword search.
The words of a :class:`~askcorpus.records.KeywordQuery` are folded as the keyword index folds
passages (:mod:`askcorpus.text.fold`: Russian words as their Snowball stems, CJK runs as
bigrams), so "газопровода" finds "газопровод" and a Chinese question finds its passage;
:func:`query_terms` keeps the question's own words (what a hit says it matched).
"""

from __future__ import annotations

import re

from askcorpus.records import KeywordQuery
from askcorpus.text import spelling
from askcorpus.text.fold import CJK_LETTERS, cjk_bigrams, keyword_clause
from askcorpus.text.sentences import count_words

MAX_QUERY_CHARS = 4000
# Words all-MiniLM-L6-v2 reads: 256 word pieces are roughly 180 English words.
MODEL_WORDS = 180

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "did",
        "does",
        "done",
        "also",
        "may",
        "might",
        "must",
        "shall",
        "us",
        "s",
        "t",
    ]
    # Words that phrase a question rather than name its subject: in a question they match
    # everywhere ("What did X say about...") and only add noise to keyword ranking.
    + [
        "say",
        "says",
        "said",
        "tell",
        "told",
        "describe",
        "described",
        "according",
        "many",
        "much",
        "give",
        "gave",
        "get",
        "got",
        "happen",
        "happened",
        "reason",
    ]
)

#: Russian function words and question words, dropped from a question's terms as the English
#: ones are (they occur in most Russian passages).
_RUSSIAN_FUNCTION_WORDS = """
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее её
    мне было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть
    был была были было него до вас нибудь опять уж вам ведь там потом себя ничего ей может они
    тут где есть надо ней для мы тебя их чем сам чтоб без будто чего раз тоже себе под будет ж
    тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее
    сейчас куда зачем всех никогда можно при наконец два об другой хоть после над больше тот
    через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед
    иногда лучше чуть том нельзя такой им более всегда конечно всю между каким какие каких
    каком какую каково почему сколько чей чья чьи является это эта также который которая
    которые которого которой
    какое какого какому какими которое котором которым которую которых которыми которому
    этим этими этих такая такое такие такого таких чему кем
"""
RUSSIAN_STOPWORDS = frozenset(_RUSSIAN_FUNCTION_WORDS.split())
_TERM = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
# Chinese words that only phrase a question ("when", "how many", "which …", a final 吗), cut out
# of a CJK run before it becomes bigrams, as English question words are not terms: otherwise
# 何时 and its neighbours' bigrams (道何, 时开) are searched and reported missing.
_CHINESE_QUESTION = re.compile(
    "为什么|怎么样|是不是|有没有|什么|哪.|多少|怎么|怎样|如何|何时|是否|[吗呢]$"
)
_CJK_OR_NOT = re.compile(f"([{CJK_LETTERS}]+)|[^{CJK_LETTERS}]+")
_PHRASE = re.compile(r"[\"“]([^\"”]{2,200})[\"”]")


def clean_question(text: str) -> tuple[str, str | None]:
    """The question with control characters removed and length capped, plus a note when the
    search cannot read all of it.

    Keyword search reads up to :data:`MAX_QUERY_CHARS` characters; the embedding model reads
    about :data:`MODEL_WORDS` words (256 word pieces), so a longer question is matched on meaning
    by its beginning only — the user is told either way.
    """
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        return text, (
            f"question truncated to its first {MAX_QUERY_CHARS} characters; only about its "
            f"first {MODEL_WORDS} words were matched on meaning"
        )
    if count_words(text) > MODEL_WORDS:  # a CJK character counts as a word (one token)
        return text, (
            f"long question: only about its first {MODEL_WORDS} words were matched on meaning "
            "(all of it on keywords)"
        )
    return text, None


def query_terms(question: str) -> list[str]:
    """Distinct lower-case content words of ``question`` (stopwords dropped), in order; a run
    of CJK characters gives its character bigrams (a single character itself), Chinese
    question words cut out first."""
    seen: dict[str, None] = {}
    for m in _TERM.finditer(question):
        for part in re.split(r"[-'’]", m.group(0).lower()):
            for piece in _CJK_OR_NOT.finditer(part):
                run = piece.group(1)
                if run:
                    for clause in filter(None, _CHINESE_QUESTION.split(run)):
                        for bigram in cjk_bigrams(clause):
                            seen.setdefault(bigram, None)
                    continue
                word = piece.group(0)
                if _is_content(word):
                    seen.setdefault(word, None)
    return list(seen)


def quoted_phrases(question: str) -> list[str]:
    """Phrases the user put in double quotes (they must match exactly)."""
    return [m.group(1).strip() for m in _PHRASE.finditer(question) if m.group(1).strip()]


def adjacent_pairs(question: str) -> list[tuple[str, str]]:
    """Pairs of content words that stand side by side in ``question`` ("foreign minister",
    "trade partner"), in order, without repeats.

    Only words separated by spaces or a hyphen count: a stopword, a comma or a full stop between
    two words means they need not stand together in an answer either.
    """
    tokens: list[tuple[str, int, int]] = []
    for m in _TERM.finditer(question):
        pos = m.start()
        for part in re.split(r"([-'’])", m.group(0)):
            if part and part not in "-'’":
                tokens.append((part.lower(), pos, pos + len(part)))
            pos += len(part)
    seen: dict[tuple[str, str], None] = {}
    for (a, _sa, ea), (b, sb, _eb) in zip(tokens, tokens[1:], strict=False):
        if _is_content(a) and _is_content(b) and question[ea:sb] in {" ", "-"} and a != b:
            seen.setdefault((a, b), None)
    return list(seen)


def _is_content(word: str) -> bool:
    if word in STOPWORDS or word in RUSSIAN_STOPWORDS:
        return False
    return len(word) > 1 or word.isdigit()


def _clause(words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The index tokens of question words in order (:func:`askcorpus.text.fold.keyword_clause`)."""
    return keyword_clause(words)


def keyword_query(question: str, max_terms: int = 64) -> KeywordQuery:
    """The keyword query of a question: its terms, their other spellings (British or American,
    :mod:`askcorpus.text.spelling`) and its quoted phrases, OR-ed.

    A variant counts at its own rarity, so "defence" finds "Defense" as well.
    """
    clauses: list[tuple[str, ...]] = []
    for t in query_terms(question)[:max_terms]:
        clauses.append(_clause([t]))
        clauses.extend(_clause([v]) for v in spelling.variants(t))
    for phrase in quoted_phrases(question):
        # A quoted CJK word is a phrase of its bigrams; a quoted Latin one is its term already.
        tokens = _clause([w.lower() for w in _TERM.findall(phrase)])
        if len(tokens) > 1:
            clauses.append(tokens)
    return KeywordQuery(tuple(c for c in dict.fromkeys(clauses) if c))


def pair_query(question: str, max_pairs: int = 16) -> KeywordQuery:
    """The :func:`adjacent_pairs` of the question as phrases (with their other spellings),
    OR-ed; empty when it has none.

    Its BM25 score, added with a small weight to that of :func:`keyword_query`, ranks a passage
    holding "Chinese Foreign Minister" as a phrase above one with the three words scattered
    (a light form of the sequential dependence model).
    """
    clauses: list[tuple[str, ...]] = []
    for a, b in adjacent_pairs(question)[:max_pairs]:
        for x in (a, *spelling.variants(a))[:2]:
            for y in (b, *spelling.variants(b))[:2]:
                clauses.append(_clause((x, y)))
    return KeywordQuery(tuple(c for c in dict.fromkeys(clauses) if len(c) > 1))
