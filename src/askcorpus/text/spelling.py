"""British and American spellings of one word, so a question finds either ("defence minister"
finds "Defense Minister", "haemoglobin" finds "hemoglobin").

The keyword index (FTS5, Porter stemmer) treats "defence" and "defense", "organise" and
"organize", "centre" and "center" as unrelated words, and the embedding model only partly
bridges them. Rather than ship a dictionary, regular spelling correspondences are rules on
word endings and medical stems (``-our/-or``, ``-ise/-ize``, ``-yse/-yze``, ``-tre/-ter``,
``-ogue/-og``, ``-ence/-ense``, doubled ``l``, ``ae``/``oe``), plus a short list of irregular
pairs. A rule may produce a string that is no word at all ("doctour"); that is harmless, since
a keyword that occurs nowhere adds nothing to a BM25 score. Rules that could turn one real word
into another (``filled``/``filed``, ``tire``/``tyre``) are left out or limited to listed stems.

:func:`variants` gives the spellings to search for; :func:`fold` maps a word to one spelling
(the American one) so two texts can be compared word by word (highlighting).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Endings a stem may carry after the varying part (colour-ed, organis-ation, ...).
_OUR_TAIL = (
    r"(s|ed|ing|able|ably|ite|ites|ful|fully|er|ers|ism|ist|ists|less|al|ally|hood|hoods|y)?"
)
_ISE_TAIL = r"(e|es|ed|ing|ation|ations|er|ers|able)"
# American words ending in -or that are spelt -our in Britain (most -or words are spelt alike:
# doctor, actor, motor), and American -ter/-ber words spelt -tre/-bre.
_OR_STEMS = (
    r"(?:dis|un|mis)?(?:col|fav|flav|hon|hum|lab|neighb|rum|sav|vap|harb|arm|behavi|endeav|od"
    r"|vig|rig|tum|parl|val|clam|splend|ferv|cand|ard|savi|demean|arb|glam)"
)
_TER_STEMS = r"\w*(?:cen|me)|li|thea|spec|scep|mi|ti|ni|lus|fi|sa|som|cali"
# (British pattern, American replacement, American pattern, British replacement); patterns are
# matched against a whole lower-case word.
_RULES: tuple[tuple[str, str, str, str], ...] = (
    # colour/color, behaviour/behavior, favourite/favorite (at least 3 letters before "our")
    (rf"(\w{{3,}})our{_OUR_TAIL}", r"\1or\2", rf"({_OR_STEMS})or{_OUR_TAIL}", r"\1our\2"),
    # organise/organize, organisation/organization, realised/realized
    (rf"(\w{{3,}})is{_ISE_TAIL}", r"\1iz\2", rf"(\w{{3,}})iz{_ISE_TAIL}", r"\1is\2"),
    # analyse/analyze, hydrolysed/hydrolyzed, paralysing/paralyzing
    (r"(\w{2,})ys(e|es|ed|ing|er|ers)", r"\1yz\2", r"(\w{2,})yz(e|es|ed|ing|er|ers)", r"\1ys\2"),
    # centre/center, metres/meters, fibre/fiber, titre/titer
    (r"(\w{2,})([tb])re(s?)", r"\1\2er\3", rf"({_TER_STEMS})([tb])er(s?)", r"\1\2re\3"),
    # catalogue/catalog, dialogues/dialogs, homologue/homolog
    (r"(\w{3,}[ao]l)ogue(s?)", r"\1og\2", r"(\w{3,}[ao]l)og(s?)", r"\1ogue\2"),
    # defence/defense, offences/offenses, licence/license, pretence/pretense
    (
        r"(defen|offen|licen|preten)ce(s?)",
        r"\1se\2",
        r"(defen|offen|licen|preten)se(s?)",
        r"\1ce\2",
    ),
    # travelled/traveled, modelling/modeling, cancelled/canceled, labelled/labeled
    (
        r"(travel|cancel|model|label|level|fuel|signal|channel|tunnel|total|dial|marvel|counsel"
        r"|jewel|quarrel|duel|rival|pedal|panel|equal|libel|funnel|gravel|pencil|shovel|initial)"
        r"l(ed|ing|er|ers)",
        r"\1\2",
        r"(travel|cancel|model|label|level|fuel|signal|channel|tunnel|total|dial|marvel|counsel"
        r"|jewel|quarrel|duel|rival|pedal|panel|equal|libel|funnel|gravel|pencil|shovel|initial)"
        r"(ed|ing|er|ers)",
        r"\1l\2",
    ),
    # anaemia/anemia, leukaemic/leukemic, ischaemia/ischemia
    (r"(\w{2,})aemi(a|as|c)", r"\1emi\2", r"(\w*[^a])emi(a|as|c)", r"\1aemi\2"),
    # haemoglobin/hemoglobin, haematoma/hematoma
    (r"haem(\w{3,})", r"hem\1", r"hem(\w{3,})", r"haem\1"),
    # paediatric/pediatric, orthopaedic/orthopedic, encyclopaedia/encyclopedia
    (r"(|ortho|encyclo)paed(\w{2,})", r"\1ped\2", r"(|ortho|encyclo)ped(\w{2,})", r"\1paed\2"),
    # oestrogen/estrogen, oesophagus/esophagus, oedema/edema
    (r"oe(str|soph|dem)(\w*)", r"e\1\2", r"e(str|soph|dem)(\w*)", r"oe\1\2"),
    # foetus/fetus, foetal/fetal
    (r"foet(us|uses|al)", r"fet\1", r"fet(us|uses|al)", r"foet\1"),
    # coeliac/celiac
    (r"coeli(ac|acs)", r"celi\1", r"celi(ac|acs)", r"coeli\1"),
    # diarrhoea/diarrhea, gonorrhoea/gonorrhea
    (r"(\w+rrh)oe(a|al)", r"\1e\2", r"(\w+rrh)e(a|al)", r"\1oe\2"),
    # anaesthesia/anesthesia, gynaecology/gynecology, aetiology/etiology
    (r"(an|gyn)ae(sth|c)(\w*)", r"\1e\2\3", r"(an|gyn)e(sth|c)(\w*)", r"\1ae\2\3"),
    (r"aetiol(\w*)", r"etiol\1", r"etiol(\w*)", r"aetiol\1"),
    # sulphur/sulfur, sulphate/sulfate, sulphonylurea/sulfonylurea
    (r"sulph(\w*)", r"sulf\1", r"sulf(\w*)", r"sulph\1"),
)
_COMPILED = tuple((re.compile(b), ab, re.compile(a), ba) for b, ab, a, ba in _RULES)
# Irregular pairs (British, American); plural and other forms are listed where common.
_PAIRS = {
    "grey": "gray",
    "greys": "grays",
    "programme": "program",
    "programmes": "programs",
    "mould": "mold",
    "moulds": "molds",
    "mouldy": "moldy",
    "plough": "plow",
    "sceptic": "skeptic",
    "sceptics": "skeptics",
    "sceptical": "skeptical",
    "scepticism": "skepticism",
    "aluminium": "aluminum",
    "manoeuvre": "maneuver",
    "manoeuvres": "maneuvers",
    "ageing": "aging",
    "judgement": "judgment",
    "judgements": "judgments",
    "acknowledgement": "acknowledgment",
    "jewellery": "jewelry",
    "enrol": "enroll",
    "enrolment": "enrollment",
    "fulfil": "fulfill",
    "fulfilment": "fulfillment",
    "skilful": "skillful",
    "wilful": "willful",
    "artefact": "artifact",
    "artefacts": "artifacts",
    "yoghurt": "yogurt",
    "aeroplane": "airplane",
    "aeroplanes": "airplanes",
    "pyjamas": "pajamas",
    "cosy": "cozy",
    "amoeba": "ameba",
    "caesarean": "cesarean",
    "practise": "practice",
    "practised": "practiced",
    "practises": "practices",
    "practising": "practicing",
}
_AMERICAN = {a: b for b, a in _PAIRS.items()}
# Whether any rule's British (or either) pattern matches a word: one match instead of one per
# rule for the many words no rule touches (most words; each new word of a search is folded).
_ANY_BRITISH = re.compile("|".join(f"(?:{b.pattern})" for b, _ta, _a, _tb in _COMPILED))
_ANY_SPELLING = re.compile(
    "|".join(f"(?:{p.pattern})" for b, _ta, a, _tb in _COMPILED for p in (b, a))
)
_OUR = _COMPILED[0][0]
# Beginnings of words the -our rule must not touch (hour, tour and friends are spelt alike).
_NOT_OUR = ("detour", "devour", "contour", "velour", "paramour", "troubadour", "tour", "flour")


@lru_cache(maxsize=4096)
def variants(word: str) -> tuple[str, ...]:
    """Other spellings of the lower-case ``word`` (British for American and the reverse),
    without ``word`` itself; empty for most words."""
    out: dict[str, None] = {}
    if word in _PAIRS:
        out[_PAIRS[word]] = None
    if word in _AMERICAN:
        out[_AMERICAN[word]] = None
    if not out and not _ANY_SPELLING.fullmatch(word):
        return ()
    for british, to_american, american, to_british in _COMPILED:
        if british.fullmatch(word) and not (british is _OUR and word.startswith(_NOT_OUR)):
            out[british.sub(to_american, word)] = None
        if american.fullmatch(word):
            out[american.sub(to_british, word)] = None
    out.pop(word, None)
    return tuple(out)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """The lower-case ``word`` in American spelling where a rule knows it ("defence" ->
    "defense"), else unchanged; British and American spellings of a word fold alike."""
    if word in _PAIRS:
        return _PAIRS[word]
    if not _ANY_BRITISH.fullmatch(word):
        return word
    for british, to_american, _american, _to_british in _COMPILED:
        if british.fullmatch(word) and not (british is _OUR and word.startswith(_NOT_OUR)):
            return british.sub(to_american, word)
    return word
