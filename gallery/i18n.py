"""Words for people: date ranges, counts and interface strings, in French (default) and English."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

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


@lru_cache(maxsize=8192)  # Babel takes ~1 ms a call: a 200-photo page asks for the same few days
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
    # media kinds (issue 12)
    "video": {"fr": "vidéo", "en": "video"},
    # -- regroup (issue 10): album titles made by regrouping
    "event_review": {"fr": "Revoir {name} en images", "en": "{name} in pictures"},
    "part_morning": {"fr": "(matin)", "en": "(morning)"},
    "part_afternoon": {"fr": "(après-midi)", "en": "(afternoon)"},
    "part_evening": {"fr": "(soir)", "en": "(evening)"},
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
# -- admin curation (H5): confirmations, the selection bar, the trash, errors people read ------------

TEXT.update(
    {
        "done_renamed": {"fr": "Album renommé.", "en": "Album renamed."},
        "done_saved": {"fr": "Enregistré.", "en": "Saved."},
        "done_cover": {"fr": "Couverture changée.", "en": "Cover changed."},
        "done_hidden": {"fr": "Photos masquées : {n}.", "en": "Photos hidden: {n}."},
        "done_shown": {"fr": "Photos affichées : {n}.", "en": "Photos shown: {n}."},
        "done_moved": {"fr": "Photos déplacées : {n}.", "en": "Photos moved: {n}."},
        "done_merged": {"fr": "Albums fusionnés.", "en": "Albums merged."},
        "done_split": {"fr": "Album scindé : voici la suite.", "en": "Album split: here is the rest."},
        "done_published": {"fr": "Album publié.", "en": "Album published."},
        "done_unpublished": {"fr": "Album dépublié : c’est un brouillon.", "en": "Album unpublished: it is a draft."},
        "done_unshared": {"fr": "Lien révoqué.", "en": "Link revoked."},
        "done_dated": {"fr": "Dates enregistrées : {n} photos.", "en": "Dates saved: {n} photos."},
        "done_shifted": {"fr": "Heure décalée : {n} photos.", "en": "Time shifted: {n} photos."},
        "done_trashed": {
            "fr": "Photos mises à la corbeille : {n}. Elles y restent 30 jours.",
            "en": "Photos put in the trash: {n}. They stay there 30 days.",
        },
        "done_restored": {"fr": "Photos restaurées : {n}.", "en": "Photos restored: {n}."},
        "done_emptied": {"fr": "Corbeille vidée : {n} photos supprimées.", "en": "Trash emptied: {n} photos deleted."},
        "draft": {"fr": "brouillon", "en": "draft"},
        "published": {"fr": "publié", "en": "published"},
        "trash": {"fr": "Corbeille", "en": "Trash"},
        "selection": {"fr": "Sélection", "en": "Selection"},
        "selected_count": {"fr": "photo(s) sélectionnée(s)", "en": "photo(s) selected"},
        "select_all": {"fr": "Tout sélectionner", "en": "Select all"},
        "select_none": {"fr": "Tout désélectionner", "en": "Select none"},
        "select_help": {
            "fr": "Cochez des photos (Maj+clic pour une plage, Ctrl+A pour tout), puis choisissez une action.",
            "en": "Tick photos (Shift+click for a range, Ctrl+A for all), then pick an action.",
        },
        "move_to": {"fr": "Déplacer vers l’album", "en": "Move to the album"},
        "move_placeholder": {"fr": "Tapez pour chercher un album", "en": "Type to search an album"},
        "move": {"fr": "Déplacer", "en": "Move"},
        "hide": {"fr": "Masquer", "en": "Hide"},
        "show": {"fr": "Afficher", "en": "Show"},
        "set_cover": {"fr": "Couverture", "en": "Set as cover"},
        "split_here": {"fr": "Scinder ici", "en": "Split here"},
        "put_in_trash": {"fr": "Mettre à la corbeille", "en": "Put in the trash"},
        "confirm_trash": {
            "fr": "Mettre les photos sélectionnées à la corbeille ? Elles disparaissent de tous les albums.",
            "en": "Put the selected photos in the trash? They leave every album.",
        },
        "confirm_empty": {
            "fr": "Vider la corbeille ? Les originaux seront supprimés définitivement.",
            "en": "Empty the trash? The originals will be deleted for good.",
        },
        "shift_time": {"fr": "Décaler l’heure", "en": "Shift the time"},
        "shift_help": {"fr": "Décaler de (heures, minutes)", "en": "Shift by (hours, minutes)"},
        "later": {"fr": "plus tard", "en": "later"},
        "earlier": {"fr": "plus tôt", "en": "earlier"},
        "hours": {"fr": "heures", "en": "hours"},
        "minutes": {"fr": "minutes", "en": "minutes"},
        "date_undated": {"fr": "Dater", "en": "Set the date"},
        "restore": {"fr": "Restaurer", "en": "Restore"},
        "empty_trash": {"fr": "Vider la corbeille maintenant", "en": "Empty the trash now"},
        "trash_empty": {"fr": "La corbeille est vide.", "en": "The trash is empty."},
        "trash_help": {
            "fr": "Les photos restent {days} jours dans la corbeille, puis sont supprimées avec leur original.",
            "en": "Photos stay {days} days in the trash, then are deleted with their original.",
        },
        "trashed_on": {"fr": "mise à la corbeille le", "en": "trashed on"},
        "came_from": {"fr": "venait de", "en": "came from"},
        "hidden_badge": {"fr": "masquée", "en": "hidden"},
        "state": {"fr": "État", "en": "State"},
    }
)

# Library errors are written in English for the CLI; the admin pages show them in French too.
ERRORS: dict[str, str] = {
    "tick the photos first": "Cochez d’abord des photos.",
    "tick the photos to date first": "Cochez d’abord les photos à dater.",
    "tick the photos to put in the trash first": "Cochez d’abord les photos à mettre à la corbeille.",
    "pick the album from the list": "Choisissez l’album dans la liste.",
    "give the hours and minutes as whole numbers": "Donnez les heures et les minutes en nombres entiers.",
    "none of the ticked photos has a date to split at": "Aucune des photos cochées n’a de date où scinder.",
    "none of the ticked photos has a date to shift": "Aucune des photos cochées n’a de date à décaler.",
    "none of these photos is in the trash": "Aucune de ces photos n’est dans la corbeille.",
    "that photo is not in this album, or it is hidden": "Cette photo n’est pas dans l’album, ou elle est masquée.",
    "that photo is not in this album": "Cette photo n’est pas dans cet album.",
    "no photo of this album was taken at or after that time": "Aucune photo de l’album n’a été prise à partir "
    "de ce moment.",
    "every photo of this album was taken after that time: nothing to split": "Toutes les photos de l’album sont "
    "postérieures : rien à scinder.",
    "an album cannot be merged into itself": "Un album ne peut pas être fusionné avec lui-même.",
    "the title cannot be empty": "Le titre ne peut pas être vide.",
    "give a date and time like 2017-09-18T13:00": "Donnez une date et une heure, par exemple 2017-09-18T13:00.",
}


ERROR_PATTERNS: list[tuple[str, str]] = [
    (r"'(.*)' is not a duration like .*", "« {0} » n’est pas une correction comme +6 h, −1 h 30 ou auto."),
    (r"no such device", "Appareil inconnu."),
    (r"event (\d+): give the (start|end) as a date and time", "Événement {0} : donnez une date et une heure."),
    (r"event (\d+): the radius is a number of metres", "Événement {0} : le rayon est un nombre de mètres."),
    (r"no single photo matches '(.*)'.*", "Aucune photo ne correspond à « {0} »."),
]


def error_text(message: str, lang: str) -> str:
    """A library error in the reader's language (English as written; French from ERRORS when known)."""
    import re

    if lang == "en":
        return message
    if message in ERRORS:
        return ERRORS[message]
    from .programme_errors import in_french

    programme = in_french(message)
    if programme:
        return programme
    for pattern, french in ERROR_PATTERNS:
        found = re.fullmatch(pattern, message)
        if found:
            return french.format(*found.groups())
    return message


# -- admin curation (H5): the programme form -------------------------------------------------------

TEXT.update(
    {
        "done_programme": {"fr": "Programme enregistré ; les albums suivent.", "en": "Programme saved; albums follow."},
        "new_mission": {"fr": "Nouvelle mission", "en": "New mission"},
        "programme": {"fr": "Programme", "en": "Programme"},
        "programme_toml": {"fr": "Le programme en TOML", "en": "The programme as TOML"},
        "programme_help": {
            "fr": "Heures locales dans le fuseau de la mission. Lieu : un nom de ville (« Toulouse ») ou des "
            "coordonnées (« 43.6045, 1.4440 »). Une ligne sans nom est ignorée.",
            "en": "Local times in the mission's zone. Place: a town name (“Toulouse”) or coordinates "
            "(“43.6045, 1.4440”). A row without a name is left out.",
        },
        "mission_title": {"fr": "Titre de la mission", "en": "Mission title"},
        "mission_zone": {"fr": "Fuseau (ex. Europe/Paris)", "en": "Time zone (e.g. Europe/Paris)"},
        "event": {"fr": "Événement", "en": "Event"},
        "event_name": {"fr": "Nom", "en": "Name"},
        "event_start": {"fr": "Début", "en": "Start"},
        "event_end": {"fr": "Fin", "en": "End"},
        "event_where": {"fr": "Lieu (ville ou coordonnées)", "en": "Place (town or coordinates)"},
        "save_programme": {"fr": "Enregistrer le programme", "en": "Save the programme"},
    }
)


# -- admin curation (H5): the devices page ------------------------------------------------------------

DEVICE_SOURCES: dict[str, dict[str, str]] = {
    "gps": {"fr": "horloge GPS des photos", "en": "the photos' GPS clock"},
    "alignment": {"fr": "alignement sur les autres appareils", "en": "aligned with the other devices"},
    "manual": {"fr": "saisi à la main", "en": "set by hand"},
    "offset_tag": {"fr": "fuseau écrit par l’appareil", "en": "zone written by the camera"},
}


def device_source(source: str | None, lang: str = DEFAULT) -> str:
    """Where a device's correction comes from, in words; « — » when it has none."""
    entry = DEVICE_SOURCES.get(source or "")
    return (entry.get(lang) or entry[DEFAULT]) if entry else (source or "—")


def device_note(note: str | None, lang: str = DEFAULT) -> tuple[str, str]:
    """(note in words, its language): every part of a device's note in `lang` (gallery/notes.py)."""
    from . import notes

    return notes.render(note or "", lang) if note else ("", lang)


# -- admin curation (H5): the import report in words ---------------------------------------------------

IMPORT_STATUS: dict[str, dict[str, str]] = {
    "skipped": {"fr": "ignoré", "en": "skipped"},
    "rejected": {"fr": "refusé", "en": "rejected"},
}
IMPORT_REASONS: dict[str, dict[str, str]] = {
    "not_an_image": {"fr": "ce n’est pas une photo", "en": "not a photo"},
    "unsupported_format": {"fr": "format non pris en charge", "en": "format not supported"},
    "corrupt": {"fr": "image illisible (abîmée)", "en": "unreadable image (damaged)"},
    "truncated": {"fr": "fichier incomplet (copie interrompue ?)", "en": "incomplete file (interrupted copy?)"},
    "empty": {"fr": "fichier vide", "en": "empty file"},
    "too_big": {"fr": "fichier trop gros", "en": "file too big"},
    "too_many_pixels": {"fr": "image trop grande (pixels)", "en": "image too large (pixels)"},
    "unreadable": {"fr": "fichier illisible (droits ?)", "en": "file cannot be read (permissions?)"},
    "not_regular_file": {"fr": "ce n’est pas un fichier ordinaire", "en": "not a regular file"},
    "symlink_outside": {"fr": "lien vers l’extérieur de la source", "en": "link leading outside the source"},
    "symlink_into_library": {"fr": "lien vers la galerie elle-même", "en": "link into the gallery itself"},
    "broken_symlink": {"fr": "lien cassé", "en": "broken link"},
    "catalog_changed": {"fr": "le catalogue a changé pendant l’import", "en": "the catalog changed meanwhile"},
    "restore_failed": {"fr": "original impossible à restaurer", "en": "original could not be restored"},
}


def import_words(table: dict[str, dict[str, str]], code: str | None, lang: str = DEFAULT) -> str:
    """A status or reason code of the import report in words (never the code itself when known)."""
    entry = table.get(code or "")
    if entry is None:
        return (code or "").replace("_", " ")
    return entry.get(lang) or entry[DEFAULT]


TEXT.update(
    {
        "status_imported": {"fr": "importée", "en": "imported"},
        "status_duplicate": {"fr": "déjà là", "en": "already there"},
        "status_rejected": {"fr": "refusée", "en": "rejected"},
        "status_refused": {"fr": "refusée", "en": "refused"},
        "status_skipped": {"fr": "ignorée", "en": "skipped"},
        "status_queued": {"fr": "en attente", "en": "queued"},
    }
)


TEXT.update({"download_selection": {"fr": "Télécharger (ZIP)", "en": "Download (ZIP)"}})


# -- map and paging (H7) --------------------------------------------------------------------------

TEXT.update(
    {
        "map": {"fr": "Carte", "en": "Map"},
        "map_places": {"fr": "Lieux sur la carte", "en": "Places on the map"},
        "map_town_level": {
            "fr": "Positions arrondies à la ville.",
            "en": "Positions rounded to the town.",
        },
        "map_no_places": {"fr": "Aucune photo localisée.", "en": "No photo with a location."},
        "map_route": {"fr": "Itinéraire de la mission", "en": "The mission's route"},
        "map_label": {"fr": "Carte des photos", "en": "Map of the photos"},
        "pages": {"fr": "Pages", "en": "Pages"},
        "page_n": {"fr": "Page {n}", "en": "Page {n}"},
        "next_page": {"fr": "Page suivante", "en": "Next page"},
        "previous_page": {"fr": "Page précédente", "en": "Previous page"},
        "loading_more": {"fr": "Chargement des photos suivantes…", "en": "Loading more photos…"},
        "jump_to_month": {"fr": "Aller au mois", "en": "Jump to month"},
        "go": {"fr": "Aller", "en": "Go"},
        "all_months": {"fr": "Les plus récentes", "en": "Most recent"},
        "photos_n": {"fr": "{n} photos", "en": "{n} photos"},
        "card_alt": {"fr": "Photo de couverture : {title}", "en": "Cover photo: {title}"},
    }
)


def month_label(month: str, lang: str = DEFAULT) -> str:
    """« septembre 2017 » / « September 2017 » from 2017-09."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{_month(date(year, number, 1), lang)} {year}"


# -- Live Photos and motion photos (H12) ------------------------------------------------------------
TEXT.update(
    {
        "live_play": {
            "fr": "Photo animée : maintenir pour lire le mouvement",
            "en": "Live photo: press and hold to play the motion",
        },
        "live_badge": {"fr": "LIVE", "en": "LIVE"},
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

# -- album redirects (H18) ------------------------------------------------------------------------
TEXT.update(
    {
        "album_address": {"fr": "Adresse (/albums/…)", "en": "Address (/albums/…)"},
        "album_address_help": {
            "fr": "Minuscules, chiffres et tirets. L’ancienne adresse redirige vers la nouvelle.",
            "en": "Lower-case letters, digits and dashes. The old address redirects to the new one.",
        },
        "album_address_old": {"fr": "Anciennes adresses :", "en": "Old addresses:"},
        "album_address_change": {"fr": "Changer l’adresse", "en": "Change the address"},
        "done_slug": {
            "fr": "Adresse changée ; l’ancienne redirige ici.",
            "en": "Address changed; the old one redirects here.",
        },
    }
)
ERROR_PATTERNS.extend(
    [
        (r"the slug '(.*)' is taken by another album", "L’adresse « {0} » est déjà celle d’un autre album."),
        (
            r"'(.*)' is not a slug: .*",
            "« {0} » n’est pas une adresse : minuscules, chiffres et tirets simples, 60 au plus.",
        ),
    ]
)


# -- captions in place, search context, the admin's last words (H17) ------------------------------
TEXT.update(
    {
        "caption": {"fr": "Légende", "en": "Caption"},
        "caption_add": {"fr": "Ajouter une légende", "en": "Add a caption"},
        "caption_edit": {"fr": "Modifier la légende", "en": "Edit the caption"},
        "caption_help": {
            "fr": "Entrée enregistre, Échap annule ; vide, la légende est effacée.",
            "en": "Enter saves, Escape cancels; empty clears the caption.",
        },
        "caption_from_file": {"fr": "Dans le fichier : {words}", "en": "In the file: {words}"},
        "caption_saving": {"fr": "Enregistrement…", "en": "Saving…"},
        "caption_failed": {"fr": "La légende n’a pas été enregistrée.", "en": "The caption was not saved."},
        "done_caption": {"fr": "Légende enregistrée.", "en": "Caption saved."},
        "done_caption_cleared": {"fr": "Légende effacée.", "en": "Caption cleared."},
        "save": {"fr": "Enregistrer", "en": "Save"},
        "back_to_search": {"fr": "Retour à la recherche", "en": "Back to the search"},
        "more_actions": {"fr": "Dater et décaler l’heure", "en": "Date and shift the time"},
    }
)
ERRORS.update({"a caption has at most 500 characters": "Une légende compte au plus 500 caractères."})

# -- typed import outcome (issue 10, H25): every status an upload can report has its word
TEXT.update({"status_restored": {"fr": "restaurée", "en": "restored"}})


# -- H24: a mission renamed from its programme (issue 13) ---------------------------------------------------
ERROR_PATTERNS.append((r"a mission is already called '(.*)'", "Une mission s’appelle déjà « {0} »."))
