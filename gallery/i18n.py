"""Words for people: date ranges, counts and interface strings, in French (default) and English."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime

LANGUAGES = ("fr", "en")
DEFAULT = "fr"


def pick_language(accept_language: str | None, forced: str | None = None) -> str:
    """`?lang=`/cookie first, then the Accept-Language header, then French."""
    if forced in LANGUAGES:
        return str(forced)
    ranked = []
    for index, part in enumerate((accept_language or "").split(",")):
        code, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, code.strip().lower()[:2]))
    for _, _, code in sorted(ranked):
        if code in LANGUAGES:
            return code
    return DEFAULT


def _day(day: date, lang: str) -> str:
    if lang == "fr" and day.day == 1:
        return "1er"
    return str(day.day)


def _month(day: date, lang: str) -> str:
    return format_date(day, "MMMM", locale=lang)


def date_range(start: date, end: date, lang: str = DEFAULT) -> str:
    """« 19 septembre 2017 », « 19 et 20 septembre 2017 », « 30 septembre au 2 octobre 2017 »."""
    if end < start:
        start, end = end, start
    if lang == "en":
        return _date_range_en(start, end)
    if start == end:
        return f"{_day(start, lang)} {_month(start, lang)} {start.year}"
    joiner = " et " if (end - start).days == 1 else " au "
    if (start.year, start.month) == (end.year, end.month):
        return f"{_day(start, lang)}{joiner}{_day(end, lang)} {_month(end, lang)} {end.year}"
    if start.year == end.year:
        return f"{_day(start, lang)} {_month(start, lang)}{joiner}{_day(end, lang)} {_month(end, lang)} {end.year}"
    return f"{_day(start, lang)} {_month(start, lang)} {start.year}{joiner}{_day(end, lang)} {_month(end, lang)} {end.year}"


def _date_range_en(start: date, end: date) -> str:
    if start == end:
        return f"{_month(start, 'en')} {start.day}, {start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{_month(start, 'en')} {start.day}–{end.day}, {end.year}"
    if start.year == end.year:
        return f"{_month(start, 'en')} {start.day} – {_month(end, 'en')} {end.day}, {end.year}"
    return f"{_month(start, 'en')} {start.day}, {start.year} – {_month(end, 'en')} {end.day}, {end.year}"


def long_datetime(moment: datetime, lang: str = DEFAULT) -> str:
    """« 19 septembre 2017 à 10:30 » / "September 19, 2017 at 10:30 AM": the local time as given."""
    pattern = "d MMMM y 'à' HH:mm" if lang == "fr" else "MMMM d, y 'at' h:mm a"
    text = format_datetime(moment.replace(tzinfo=None), pattern, locale=lang)
    return "1er " + text[2:] if lang == "fr" and text.startswith("1 ") else text


def photo_count(count: int, lang: str = DEFAULT) -> str:
    if lang == "en":
        return f"{count} photo" + ("" if count == 1 else "s")
    return f"{count} photo" + ("" if count <= 1 else "s")


TEXT: dict[str, dict[str, str]] = {
    "home": {"fr": "Albums", "en": "Albums"},
    "timeline": {"fr": "Chronologie", "en": "Timeline"},
    "places": {"fr": "Lieux", "en": "Places"},
    "search": {"fr": "Recherche", "en": "Search"},
    "undated": {"fr": "Non datées", "en": "Undated"},
    "others": {"fr": "Autres photos", "en": "Other photos"},
    "download_all": {"fr": "Tout télécharger (ZIP)", "en": "Download all (ZIP)"},
    "previous": {"fr": "Précédente", "en": "Previous"},
    "next": {"fr": "Suivante", "en": "Next"},
    "back_to_album": {"fr": "Retour à l’album", "en": "Back to the album"},
    "original": {"fr": "Télécharger l’original", "en": "Download the original"},
    "camera": {"fr": "Appareil", "en": "Camera"},
    "lens": {"fr": "Objectif", "en": "Lens"},
    "exposure": {"fr": "Exposition", "en": "Exposure"},
    "taken": {"fr": "Prise le", "en": "Taken"},
    "place": {"fr": "Lieu", "en": "Place"},
    "embed": {"fr": "Intégrer cet album", "en": "Embed this album"},
    "embed_help": {"fr": "Copiez ce code dans votre article :", "en": "Copy this code into your post:"},
    "no_albums": {"fr": "Aucun album publié pour l’instant.", "en": "No published album yet."},
    "not_found": {"fr": "Page introuvable", "en": "Page not found"},
    "forbidden": {"fr": "Accès refusé", "en": "Access denied"},
    "bad_request": {"fr": "Requête invalide", "en": "Bad request"},
    "error": {"fr": "Erreur", "en": "Error"},
    "search_placeholder": {"fr": "Titre, lieu…", "en": "Title, place…"},
    "from": {"fr": "Du", "en": "From"},
    "to": {"fr": "au", "en": "to"},
    "results": {"fr": "Résultats", "en": "Results"},
    "no_results": {"fr": "Aucun résultat.", "en": "No results."},
    "language": {"fr": "English", "en": "Français"},
    "feed": {"fr": "Fil Atom des albums", "en": "Atom feed of albums"},
    "skip": {"fr": "Aller au contenu", "en": "Skip to content"},
    "login": {"fr": "Connexion", "en": "Log in"},
    "logout": {"fr": "Déconnexion", "en": "Log out"},
    "admin": {"fr": "Administration", "en": "Admin"},
    "photo_of": {"fr": "Photo", "en": "Photo"},
    "upload_duplicate": {"fr": "déjà dans l’archive, dans l’album « {album} » : rien n’a été déplacé",
                         "en": "already in the archive, in the album “{album}”: nothing was moved"},
    "upload_duplicate_loose": {"fr": "déjà dans l’archive (dans aucun album) : rien n’a été déplacé",
                               "en": "already in the archive (in no album): nothing was moved"},
    "upload_album_gone": {"fr": "L’album « {album} » n’existe plus : les photos sont dans l’album indiqué pour chacune.",
                          "en": "The album “{album}” no longer exists: each photo is in the album shown beside it."},
    "upload_queued": {"fr": "Une importation est en cours : les fichiers sont gardés et seront importés avec le prochain "
                            "téléversement.",
                      "en": "An import is running: the files are kept and will be imported with the next upload."},
}


def text(key: str, lang: str) -> str:
    entry = TEXT.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry[DEFAULT]
