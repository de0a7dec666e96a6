"""Which columns of a file may hold a person's name, contact details or free text, by their header.

Why: a vendor's export carries columns the board never maps (``Vastaajan nimi``, ``Vapaa palaute``). Their
cells are never read into the store, but the copy of the file the board keeps in ``processed/`` or
``rejected/`` would hold them, and a copy on the board's disk is storing them. Refusing the file would make the
administrator reshape every export by hand, so instead the kept copy goes without them
(:func:`connectors.file_private.blank_columns`; a workbook is deleted). An unmapped column caught here by
mistake costs nothing (it was never read); one missed keeps names on disk, so the name rule errs towards
catching: a header with a name word is personal unless another of its words says what *thing* is named
(``Toimipisteen nimi``, ``Aseman nimi``, ``Station name`` are station columns and are left alone).

Identity-code columns (``hetu``, ``henkilötunnus``, …) are not here: a file with one is still refused whole
(:data:`connectors.mapping.IDENTITY_COLUMNS`), as its every row would be anyway.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence

#: Words that name a person's name (after folding: lowercase, no accents). A token ending in ``nimi`` counts
#: too (``potilasnimi``, ``kutsumanimi``).
NAME_WORDS = frozenset({
    "nimi", "nimet", "etunimi", "etunimet", "sukunimi", "name", "names", "firstname", "lastname", "surname",
    "fullname", "namn", "fornamn", "efternamn", "tilltalsnamn",
})
#: Words for a person as such (a whole header of its own, or with a name word).
PERSON_WORDS = frozenset({
    "potilas", "asiakas", "henkilo", "vastaaja", "patient", "customer", "respondent", "person", "kund",
})
#: Word beginnings that say a person is meant, even beside a thing word (``Palvelun käyttäjän nimi``,
#: ``Yksikön yhteyshenkilön nimi``).
PERSON_STEMS = (
    "potila", "asiak", "henkilo", "yhteyshenkilo", "vastaaja", "kayttaja", "hoitaja", "laakari", "tyontekija",
    "soittaja", "lahettaja", "omainen", "omaisen", "patient", "customer", "respondent", "person", "user",
    "contact", "caller", "sender", "kund", "anvandar",
)
#: Contact details: a person can be found by them.
CONTACT_WORDS = frozenset({
    "sahkoposti", "sahkopostiosoite", "email", "mail", "epost", "puhelin", "puhelinnumero", "matkapuhelin",
    "gsm", "phone", "mobile", "telefon", "telefonnummer", "mobil", "kotiosoite", "postiosoite", "osoite",
    "address", "adress", "lahiosoite",
})
#: Free text: whatever a person wrote. Words, and two-word phrases (``avoin vastaus``).
FREE_TEXT_WORDS = frozenset({
    "palaute", "palautteet", "vapaapalaute", "kommentti", "kommentit", "kommentteja", "lisatieto", "lisatiedot",
    "lisatietoja", "huomautus", "huomautukset", "huomiot", "viesti", "viestit", "viestiteksti", "kuvaus",
    "perustelu", "perustelut", "vapaateksti", "aihe", "otsikko", "comment", "comments", "feedback", "message",
    "messages", "note", "notes", "remark", "remarks", "description", "subject", "freetext", "kommentar",
    "kommentarer", "meddelande", "fritext", "anteckning", "anteckningar", "amne", "ovrigt",
    # what a survey's open question asks for (its header is often the question itself: "Mitä haluaisit kertoa?")
    "kertoa", "kerro", "kerrothan", "terveiset", "terveisia", "ehdotus", "ehdotukset", "kehitysehdotus",
    "kehitysehdotukset", "kehittamisehdotus", "kehittamisehdotukset", "ruusut", "risut", "toive", "toiveet",
    "synpunkt", "synpunkter", "forslag", "halsningar", "suggestion", "suggestions",
})
FREE_TEXT_PHRASES = (("vapaa", "teksti"), ("avoin", "vastaus"), ("avoimet", "vastaukset"), ("free", "text"),
                     ("open", "answer"), ("open", "text"), ("oppet", "svar"), ("vapaa", "sana"))
#: Word beginnings that say the name belongs to a thing, not a person (``Toimipisteen nimi``, ``Station name``).
THING_STEMS = (
    "toimipiste", "asema", "yksik", "terveysasema", "terveyskeskus", "keskus", "sairaala", "vastaanot", "palvelu",
    "jono", "kanava", "ryhma", "tiimi", "osasto", "kunta", "alue", "organisaat", "raportti", "kysely", "lomake",
    "tuote", "kampanja", "tiedosto", "mittari", "tyyppi", "luokka", "station", "unit", "site", "location",
    "service", "queue", "channel", "group", "team", "department", "ward", "clinic", "hospital", "municipal",
    "area", "region", "organi", "report", "survey", "form", "product", "campaign", "file", "sheet", "metric",
    "type", "category", "enhet", "mottagning", "kommun", "avdelning", "tjanst", "kanal", "grupp", "omrade",
)
#: Words that say a column holds a code, a time or a number, not what a person wrote (``Viesti-ID``,
#: ``Palautteen aika``, ``Palaute (0-10)``): not free text.
STRUCTURED_WORDS = frozenset({
    "id", "tunniste", "tunnus", "nro", "numero", "no", "code", "koodi", "tila", "status", "aika", "time", "pvm",
    "paivamaara", "date", "tyyppi", "type", "luokka", "kanava", "channel", "pisteet", "arvosana", "score", "nps",
    "lkm", "maara", "count", "datum", "tid",
})


#: A scale in a header, ``(0-10)``, ``(1–5)``: the column holds a number on it.
_SCALE = re.compile(r"\(\s*\d+\s*[-–—]\s*\d+\s*\)")
#: Words that ask for a reason in words, folded: a header with a scale and one of these is a follow-up question
#: shown for that range of scores (``Miksi annoit arvosanan (0-6)? Kerro omin sanoin``), its answers free text.
WHY_WORDS = frozenset({
    "miksi", "perustele", "perustelu", "perustelut", "perustelusi", "sanoin", "why", "reason", "varfor", "motivera",
    "motivering",
})


def words(header: str) -> list[str]:
    """A header's words, folded (lowercase, no accents): ``Vastaajan nimi`` → ``['vastaajan', 'nimi']``."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode().lower()
    return [w for w in re.split(r"[^a-z0-9]+", text) if w]


def _names_a_thing(tokens: Sequence[str]) -> bool:
    return any(t.startswith(THING_STEMS) for t in tokens)


def name_like(header: str) -> bool:
    """Whether a header says its column holds a person's name or contact details (``Vastaajan nimi``, ``Namn``,
    ``Full name``, ``Sähköposti``, ``Asiakas``), and not a thing's name (``Toimipisteen nimi``)."""
    tokens = words(header)
    if not tokens:
        return False
    if all(t in PERSON_WORDS for t in tokens):
        return True
    named = any(t in NAME_WORDS or (t.endswith("nimi") and len(t) > 4) for t in tokens)
    if not (named or any(t in CONTACT_WORDS for t in tokens)):
        return False
    return not _names_a_thing(tokens) or any(t.startswith(PERSON_STEMS) for t in tokens)


def free_text_like(header: str) -> bool:
    """Whether a header says its column holds what a person wrote (``Vapaa palaute``, ``Kommentti``,
    ``Avoin vastaus``, ``Free text``, a survey's question such as ``Mitä haluaisit kertoa meille?``), and not a
    code, time or number about it (``Viesti-ID``).

    Any header with a question mark is taken as a survey question whose answers are free text, unless it names a
    scale (``Saitko apua? (1-5)``, ``Palaute (0-10)``: a number) without asking why (``Miksi annoit arvosanan
    (0-6)?``, a follow-up shown for those scores, is free text). A closed question caught by mistake costs
    nothing: the column is not mapped (a mapped column is never left out)."""
    tokens = words(header)
    if not tokens:
        return False
    if _SCALE.search(header) and not any(t in WHY_WORDS for t in tokens):
        return False  # "Palaute (0-10)", "Saitko apua? (1–5)": a number on a scale (but not "Miksi … (0-6)?")
    if "?" in header:  # a survey's question as the header ("Mitä muuta haluat kertoa?"): what was answered to it
        return True
    if any(t in STRUCTURED_WORDS for t in tokens):
        return False
    pairs = set(itertools.pairwise(tokens))
    return any(t in FREE_TEXT_WORDS for t in tokens) or any(p in pairs for p in FREE_TEXT_PHRASES)


def private_columns(header: Sequence[str], mapped: Iterable[str]) -> list[int]:
    """The positions of the columns (unmapped ones only) whose header is name-like or free-text-like.

    A mapped column is the administrator's explicit choice (``station: Nimi``) and is read, so it stays.
    """
    keep = set(mapped)
    return [i for i, h in enumerate(header) if h and h not in keep and (name_like(h) or free_text_like(h))]
