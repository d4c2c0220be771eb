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
    "original_withheld": {
        "fr": "L’original n’est pas proposé au téléchargement : il contient une position qui ne peut pas en être "
        "retirée avec certitude.",
        "en": "The original is not offered for download: it holds a location that cannot be removed with certainty.",
    },
    "zip_withheld_note": {
        "fr": "Ces originaux ne sont pas dans l’archive : ils contiennent une position qui ne peut pas en être "
        "retirée avec certitude.",
        "en": "These originals are not in the archive: they hold a location that cannot be removed with certainty.",
    },
    "read_only": {"fr": "Galerie en lecture seule", "en": "Read-only gallery"},
    "read_only_detail": {
        "fr": "Cette galerie est servie depuis un support en lecture seule : la connexion, les mots de passe de "
        "partage et les modifications sont indisponibles pour l’instant. Les albums publiés restent visibles.",
        "en": "This gallery is served from read-only storage: logging in, share passwords and changes are "
        "unavailable for now. Published albums remain visible.",
    },
    "disk_full": {"fr": "Disque plein", "en": "Disk full"},
    "disk_full_detail": {
        "fr": "Le disque de la galerie est plein : cette modification n’a pas été enregistrée. Réessayez quand de "
        "la place aura été libérée ; la consultation continue de fonctionner.",
        "en": "The gallery's disk is full: this change was not saved. Try again once space has been freed; "
        "browsing keeps working.",
    },
    "date_uncertain": {"fr": "date incertaine", "en": "uncertain date"},
    "upload_duplicate": {
        "fr": "déjà dans l’archive, dans l’album « {album} » : rien n’a été déplacé",
        "en": "already in the archive, in the album “{album}”: nothing was moved",
    },
    "upload_duplicate_loose": {
        "fr": "déjà dans l’archive (dans aucun album) : rien n’a été déplacé",
        "en": "already in the archive (in no album): nothing was moved",
    },
    "upload_album_gone": {
        "fr": "L’album « {album} » n’existe plus : les photos sont dans l’album indiqué pour chacune.",
        "en": "The album “{album}” no longer exists: each photo is in the album shown beside it.",
    },
    "upload_queued": {
        "fr": "Une importation est en cours : les fichiers sont gardés et seront importés avec le prochain "
        "téléversement.",
        "en": "An import is running: the files are kept and will be imported with the next upload.",
    },
}


def text(key: str, lang: str) -> str:
    entry = TEXT.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry[DEFAULT]


CLOCK_REASONS: dict[str, dict[str, str]] = {
    "none": {"fr": "l’appareil était à l’heure locale", "en": "the camera was on local time"},
    "home": {"fr": "l’appareil est resté à l’heure de {city}", "en": "the camera stayed on {city} time"},
    "zone": {"fr": "l’appareil est resté à l’heure de {city}", "en": "the camera stayed on {city} time"},
    "dst": {"fr": "une heure d’écart (heure d’été)", "en": "an hour off (summer time)"},
    "day": {"fr": "la date de l’appareil est décalée d’un jour", "en": "the camera's date is a day off"},
    "other": {"fr": "un décalage sans explication simple", "en": "an offset with no simple explanation"},
}


def clock_correction(seconds: int, lang: str = DEFAULT) -> str:
    """A correction in hours and minutes, as people write it: « −6 h », « +5 h 30 », « +0 h 04 »."""
    sign = "−" if seconds < 0 else "+"
    hours, minutes = divmod(abs(int(seconds)) // 60, 60)
    return f"{sign}{hours} h" + (f" {minutes:02d}" if minutes else "")


def clock_candidate(seconds: int, reason: str, zone: str | None, meets: float, lang: str = DEFAULT) -> str:
    """« −6 h : l'appareil est resté à l'heure de Paris ; 83 % de ses photos rejoignent celles des autres »."""
    named = reason not in ("home", "zone") or bool(zone)
    entry = CLOCK_REASONS.get(reason if named else "other", CLOCK_REASONS["other"])
    city = (zone or "").rsplit("/", 1)[-1].replace("_", " ")
    why = (entry.get(lang) or entry[DEFAULT]).format(city=city)
    share = round(meets * 100)
    if lang == "en":
        return f"{clock_correction(seconds, lang)}: {why}; {share} % of its photos meet the others'"
    return f"{clock_correction(seconds, lang)} : {why} ; {share} % de ses photos rejoignent celles des autres"


# -- viewer and search (H6) -----------------------------------------------------------------------
TEXT.update(
    {
        "viewer_close": {"fr": "Fermer (Échap)", "en": "Close (Esc)"},
        "viewer_fullscreen": {"fr": "Plein écran", "en": "Full screen"},
        "viewer_zoom_in": {"fr": "Agrandir", "en": "Zoom in"},
        "viewer_zoom_out": {"fr": "Réduire", "en": "Zoom out"},
        "viewer_info": {"fr": "Informations", "en": "Details"},
        "viewer_position": {"fr": "Photo {position} sur {total}", "en": "Photo {position} of {total}"},
        "viewer_help": {
            "fr": "Flèches : photo précédente ou suivante ; + et − : zoom ; F : plein écran ; I : informations ; "
            "Échap : retour à l’album.",
            "en": "Arrows: previous or next photo; + and −: zoom; F: full screen; I: details; Esc: back to the album.",
        },
        "search_help": {
            "fr": "Un lieu, un titre, un appareil, une date en mots (« septembre 2017 ») : accents et majuscules "
            "sont facultatifs.",
            "en": "A place, a title, a camera, a date in words (“September 2017”): accents and capitals are optional.",
        },
        "search_placeholder_full": {"fr": "Toulouse, Mêlée, septembre 2017…", "en": "Toulouse, Mêlée, September 2017…"},
        "search_albums": {"fr": "Albums", "en": "Albums"},
        "search_photos": {"fr": "Photos", "en": "Photos"},
        "search_photos_shown": {
            "fr": "{shown} premières photos sur {total}.",
            "en": "The first {shown} photos of {total}.",
        },
        "search_at_place": {"fr": "Photos prises à {place}", "en": "Photos taken in {place}"},
    }
)

# -- the static copy (H10) ------------------------------------------------------------------------
TEXT.update(
    {
        "static_search_note": {
            "fr": "Cette copie cherche dans les titres, lieux et dates des albums ; la recherche dans les photos "
            "demande le site en ligne.",
            "en": "This copy searches album titles, places and dates; searching photos needs the live site.",
        },
    }
)
