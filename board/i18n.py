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
    # sources page (administrators)
    "page.sources": {"fi": "Lähteet", "sv": "Källor", "en": "Sources"},
    "sources.title": {"fi": "Tietolähteet", "sv": "Datakällor", "en": "Data sources"},
    "sources.caption": {"fi": "Tilanne {time}. Keräin hakee jokaisen lähteen omalla aikataulullaan; "
                                "tämä sivu näyttää, mitä se sai ja miksi jokin puuttuu.",
                        "sv": "Läget {time}. Insamlaren hämtar varje källa enligt sitt schema; "
                              "sidan visar vad den fick och varför något saknas.",
                        "en": "Situation at {time}. The collector pulls each source on its own schedule; "
                              "this page shows what it got and why something is missing."},
    "sources.summary": {"fi": "{ok}/{total} lähdettä toimii", "sv": "{ok}/{total} källor fungerar",
                        "en": "{ok}/{total} sources working"},
    "sources.none": {"fi": "Lähteitä ei ole määritelty (config/sources.yaml).",
                     "sv": "Inga källor är definierade (config/sources.yaml).",
                     "en": "No sources are configured (config/sources.yaml)."},
    "health.ok": {"fi": "Toimii", "sv": "Fungerar", "en": "Working"},
    "health.failing": {"fi": "Virhe", "sv": "Fel", "en": "Failing"},
    "health.late": {"fi": "Myöhässä", "sv": "Försenad", "en": "Late"},
    "health.stale": {"fi": "Ei uutta tietoa", "sv": "Inga nya uppgifter", "en": "No new data"},
    "health.never": {"fi": "Ei vielä haettu", "sv": "Inte hämtad ännu", "en": "Not collected yet"},
    "health.disabled": {"fi": "Pois käytöstä", "sv": "Avstängd", "en": "Disabled"},
    "kind.sql": {"fi": "SQL-tietokanta", "sv": "SQL-databas", "en": "SQL database"},
    "kind.rest": {"fi": "REST-rajapinta", "sv": "REST-gränssnitt", "en": "REST API"},
    "kind.files": {"fi": "Tiedostokansio", "sv": "Filmapp", "en": "File drop folder"},
    "kind.demo": {"fi": "Demo (simulaattori)", "sv": "Demo (simulator)", "en": "Demo (simulator)"},
    "sources.schedule": {"fi": "haku {interval} välein · tieto vanhenee {stale} jälkeen",
                         "sv": "hämtning var {interval} · uppgiften föråldras efter {stale}",
                         "en": "pulled every {interval} · data goes stale after {stale}"},
    "sources.last_success": {"fi": "Viimeisin onnistunut haku", "sv": "Senaste lyckade hämtning",
                             "en": "Last successful pull"},
    "sources.newest": {"fi": "Uusin tieto", "sv": "Senaste uppgift", "en": "Newest data"},
    "sources.last_run": {"fi": "Viimeisin haku", "sv": "Senaste hämtning", "en": "Last pull"},
    "sources.run_line": {"fi": "{rows} riviä, {rejected} hylätty, {seconds} s",
                         "sv": "{rows} rader, {rejected} avvisade, {seconds} s",
                         "en": "{rows} rows, {rejected} rejected, {seconds} s"},
    "sources.never": {"fi": "ei koskaan", "sv": "aldrig", "en": "never"},
    "sources.ago": {"fi": "{age} sitten", "sv": "för {age} sedan", "en": "{age} ago"},
    "sources.error": {"fi": "Virhe {time} · {kind}", "sv": "Fel {time} · {kind}", "en": "Error at {time} · {kind}"},
    "sources.in_a_row": {"fi": " · {n} kertaa peräkkäin", "sv": " · {n} gånger i rad", "en": " · {n} times in a row"},
    "sources.previous_error": {"fi": "Edellinen virhe {time} ({kind})", "sv": "Föregående fel {time} ({kind})",
                               "en": "Previous error at {time} ({kind})"},
    "errkind.configuration": {"fi": "asetusvirhe: korjaa sources.yaml tai salaisuus",
                              "sv": "inställningsfel: rätta sources.yaml eller hemligheten",
                              "en": "configuration: fix sources.yaml or the secret"},
    "errkind.transient": {"fi": "yhteyskatko: yritetään uudelleen", "sv": "avbrott: nytt försök görs",
                          "en": "transient: will retry"},
    "errkind.data": {"fi": "virheellinen tieto", "sv": "felaktiga uppgifter", "en": "bad data"},
    "errkind.error": {"fi": "virhe", "sv": "fel", "en": "error"},
    "errkind.stopped": {"fi": "keskeytetty", "sv": "avbruten", "en": "stopped"},
    "sources.hint.late": {"fi": "Keräin ei ole hakenut tätä lähdettä {age}. Onko keräin käynnissä "
                                "(python -m board collect)?",
                          "sv": "Insamlaren har inte hämtat källan på {age}. Körs insamlaren "
                                "(python -m board collect)?",
                          "en": "The collector has not pulled this source for {age}. Is it running "
                                "(python -m board collect)?"},
    "sources.hint.stale": {"fi": "Haut onnistuvat, mutta uusin tieto on {age} vanha: toimittaako lähde "
                                 "uutta tietoa?",
                           "sv": "Hämtningarna lyckas men den senaste uppgiften är {age} gammal: levererar "
                                 "källan nya uppgifter?",
                           "en": "Pulls succeed but the newest data is {age} old: is the source delivering?"},
    "sources.hint.never": {"fi": "Keräin ei ole vielä hakenut tätä lähdettä. Testaa yhteys: "
                                 "python -m board check {name}",
                           "sv": "Insamlaren har inte hämtat källan ännu. Testa anslutningen: "
                                 "python -m board check {name}",
                           "en": "The collector has not pulled this source yet. Test it: "
                                 "python -m board check {name}"},
    "sources.rejects": {"fi": "Hylätyt rivit 24 h ({n})", "sv": "Avvisade rader 24 h ({n})",
                        "en": "Rejected rows, 24 h ({n})"},
    "sources.reason": {"fi": "Syy", "sv": "Orsak", "en": "Reason"},
    "sources.count": {"fi": "Määrä", "sv": "Antal", "en": "Count"},
    "sources.freshness": {"fi": "Tuoreus asemittain", "sv": "Aktualitet per station", "en": "Freshness by station"},
    "sources.not_delivered": {"fi": "ei tästä lähteestä", "sv": "inte från denna källa",
                              "en": "not from this source"},
    "sources.details": {"fi": "Tuoreus ja viimeisimmät haut", "sv": "Aktualitet och senaste hämtningar",
                         "en": "Freshness and recent pulls"},
    "sources.by_metric": {"fi": "Uusin tieto mittareittain", "sv": "Senaste uppgift per mått",
                          "en": "Newest data by metric"},
    "sources.just_now": {"fi": "juuri nyt", "sv": "nyss", "en": "just now"},
    "sources.runs": {"fi": "Viimeisimmät haut", "sv": "Senaste hämtningar", "en": "Recent pulls"},
    "sources.col.started": {"fi": "Alkoi", "sv": "Började", "en": "Started"},
    "sources.col.ok": {"fi": "Onnistui", "sv": "Lyckades", "en": "OK"},
    "sources.col.rows": {"fi": "Rivejä", "sv": "Rader", "en": "Rows"},
    "sources.col.rejected": {"fi": "Hylätty", "sv": "Avvisade", "en": "Rejected"},
    "sources.col.seconds": {"fi": "Kesto (s)", "sv": "Tid (s)", "en": "Duration (s)"},
    "sources.col.error": {"fi": "Virhe", "sv": "Fel", "en": "Error"},
    "sources.col.metric": {"fi": "Mittari", "sv": "Mått", "en": "Metric"},
    "sources.store_down": {"fi": "Tallennetta ei voi lukea juuri nyt: {error}",
                           "sv": "Lagret kan inte läsas just nu: {error}",
                           "en": "The store cannot be read right now: {error}"},
    "home.sources_link": {"fi": "Tietolähteiden tila", "sv": "Datakällornas status", "en": "Data source status"},
    # overview (shift leads) — texts of pages/home.py
    # weekly view (managers) — texts of pages/week.py
    # notices and kiosk rotation — texts of pages/notices.py and the wall
    "config.error": {"fi": "Asetuksissa on virhe, taulua ei voi näyttää: {error}",
                     "sv": "Fel i inställningarna, tavlan kan inte visas: {error}",
                     "en": "The configuration is wrong, the board cannot be shown: {error}"},
}


def t(key: str, lang: str = "fi", **values: object) -> str:
    """The text for ``key`` in ``lang`` (Finnish if missing), with ``{placeholders}`` filled."""
    entry = TEXTS[key]
    text = entry.get(lang) or entry["fi"]
    return text.format(**values) if values else text
