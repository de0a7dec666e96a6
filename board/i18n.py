"""All user-facing texts in one place: Finnish first, Swedish and English.

Pages and the CLI call :func:`t`; no page hard-codes a sentence. A missing
Swedish or English text falls back to Finnish, and a test checks that every
key has all three.
"""

from __future__ import annotations

LANGUAGES = ("fi", "sv", "en")
#: Each language in its own words, for the language selector.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}

TEXTS: dict[str, dict[str, str]] = {
    # status words (shown with a colour and an icon, never alone)
    "status.ok": {"fi": "Hyvä", "sv": "Bra", "en": "OK"},
    "status.warn": {"fi": "Huomio", "sv": "Obs", "en": "Attention"},
    "status.alert": {"fi": "Hälytys", "sv": "Larm", "en": "Alert"},
    "status.neutral": {"fi": "Ei arviota", "sv": "Ingen bedömning", "en": "Not assessed"},
    "status.no_data": {"fi": "Ei tietoa", "sv": "Inga uppgifter", "en": "No data"},
    "status.stale": {"fi": "Vanhentunut", "sv": "Föråldrad", "en": "Stale"},
    "status.closed": {"fi": "Suljettu", "sv": "Stängd", "en": "Closed"},
    # tile titles
    "family.queue": {"fi": "Takaisinsoitot", "sv": "Återuppringningar", "en": "Callbacks"},
    "family.contacts": {"fi": "Yhteydenotot tänään", "sv": "Kontakter i dag", "en": "Contacts today"},
    "family.omasote": {"fi": "Omasote-viestit", "sv": "Omasote-meddelanden", "en": "Omasote messages"},
    "family.feedback": {"fi": "Asiakaspalaute", "sv": "Kundrespons", "en": "Customer feedback"},
    # figure labels
    "fig.queue_waiting": {"fi": "odottaa nyt", "sv": "väntar nu", "en": "waiting now"},
    "fig.queue_oldest_wait_min": {"fi": "vanhin odottanut", "sv": "längst väntat", "en": "oldest waiting"},
    "fig.queue_handled_today": {"fi": "hoidettu tänään", "sv": "hanterade i dag", "en": "handled today"},
    "fig.queue_same_day_share": {"fi": "samana päivänä", "sv": "samma dag", "en": "same day"},
    "fig.contacts_total_today": {"fi": "yhteydenottoa", "sv": "kontakter", "en": "contacts"},
    "fig.contacts_phone_today": {"fi": "puhelin", "sv": "telefon", "en": "phone"},
    "fig.contacts_omasote_today": {"fi": "Omasote", "sv": "Omasote", "en": "Omasote"},
    "fig.contacts_chat_today": {"fi": "chat", "sv": "chatt", "en": "chat"},
    "fig.contacts_visit_today": {"fi": "käynti", "sv": "besök", "en": "visit"},
    "fig.contacts_remote_share": {"fi": "etäasiointi", "sv": "distanskontakter", "en": "remote share"},
    "fig.contacts_carried_over": {"fi": "eiliseltä", "sv": "från i går", "en": "from yesterday"},
    "fig.omasote_unanswered": {"fi": "vastaamatta", "sv": "obesvarade", "en": "unanswered"},
    "fig.omasote_oldest_unanswered_h": {"fi": "vanhin vastaamaton", "sv": "äldsta obesvarade",
                                        "en": "oldest unanswered"},
    "fig.omasote_received_today": {"fi": "saapunut tänään", "sv": "inkomna i dag", "en": "received today"},
    "fig.omasote_answered_today": {"fi": "vastattu tänään", "sv": "besvarade i dag", "en": "answered today"},
    "fig.feedback_nps": {"fi": "suositteluindeksi (NPS)", "sv": "rekommendationsindex (NPS)",
                         "en": "Net Promoter Score"},
    "fig.feedback_answers_today": {"fi": "vastausta tänään", "sv": "svar i dag", "en": "answers today"},
    "fig.feedback_needs_reaction": {"fi": "odottaa reagointia", "sv": "väntar på åtgärd",
                                    "en": "need a reaction"},
    "fig.feedback_oldest_reaction_h": {"fi": "vanhin odottanut", "sv": "längst väntat", "en": "oldest waiting"},
    # wall display
    "wall.updated": {"fi": "päivitetty {time}", "sv": "uppdaterad {time}", "en": "updated {time}"},
    "wall.stale": {"fi": "Tieto vanhentunut: viimeisin {time}", "sv": "Föråldrad uppgift: senast {time}",
                   "en": "Data is stale: last {time}"},
    "wall.stale_value": {"fi": "viimeisin arvo {value}", "sv": "senaste värde {value}", "en": "last value {value}"},
    "wall.no_data": {"fi": "Lähde ei ole vielä toimittanut tietoja", "sv": "Källan har inte levererat uppgifter",
                     "en": "The source has not delivered data yet"},
    "wall.opens": {"fi": "Avataan {when}", "sv": "Öppnar {when}", "en": "Opens {when}"},
    "wall.store_down": {"fi": "Tietoja ei saada juuri nyt. Yritetään uudelleen {seconds} sekunnin välein.",
                        "sv": "Uppgifterna kan inte hämtas just nu. Nytt försök var {seconds}:e sekund.",
                        "en": "The data cannot be read right now. Retrying every {seconds} seconds."},
    "wall.target": {"fi": "tavoite {value}", "sv": "mål {value}", "en": "target {value}"},
    "wall.few_answers": {"fi": "vähän vastauksia", "sv": "få svar", "en": "few answers"},
    "wall.trend": {"fi": "Kehitys tänään", "sv": "Utveckling i dag", "en": "Today's trend"},
    "wall.choose_station": {"fi": "Valitse asema seinänäytölle", "sv": "Välj station för väggskärmen",
                            "en": "Choose a station for the wall display"},
    "wall.unknown_station": {"fi": "Tuntematon asema {code}. Valitse asema alta.",
                             "sv": "Okänd station {code}. Välj en station nedan.",
                             "en": "Unknown station {code}. Choose a station below."},
    # navigation / pages
    "page.home": {"fi": "Asemat", "sv": "Stationer", "en": "Stations"},
    "page.wall": {"fi": "Seinänäyttö", "sv": "Väggskärm", "en": "Wall display"},
    "home.title": {"fi": "Terveysasemien tilanne", "sv": "Hälsostationernas läge", "en": "Health stations now"},
    "home.caption": {"fi": "Tilanne {time}. Avaa aseman seinänäyttö nimestä.",
                     "sv": "Läget {time}. Öppna stationens väggskärm via namnet.",
                     "en": "Situation at {time}. Open a station's wall display from its name."},
    "home.station": {"fi": "Asema", "sv": "Station", "en": "Station"},
    "home.municipality": {"fi": "Kunta", "sv": "Kommun", "en": "Municipality"},
    "home.language": {"fi": "Kieli", "sv": "Språk", "en": "Language"},
    "config.error": {"fi": "Asetuksissa on virhe, taulua ei voi näyttää: {error}",
                     "sv": "Fel i inställningarna, tavlan kan inte visas: {error}",
                     "en": "The configuration is wrong, the board cannot be shown: {error}"},
}


def t(key: str, lang: str = "fi", **values: object) -> str:
    """The text for ``key`` in ``lang`` (Finnish if missing), with ``{placeholders}`` filled."""
    entry = TEXTS[key]
    text = entry.get(lang) or entry["fi"]
    return text.format(**values) if values else text
