"""A programme's errors in French: the CLI says them in English, the admin page in the reader's language.

missions.py writes « line 3, event 2, field 'end': the end comes before the start » and wraps
tomllib's own message (« Unterminated string (at line 3, column 5) »); both become French here,
the line and column kept: « Ligne 3, colonne 5 : chaîne de caractères non terminée ».
"""

from __future__ import annotations

import re

# tomllib's messages (CPython 3.11–3.13), as they stand before « (at line L, column C) ».
TOML_MESSAGES: dict[str, str] = {
    "Invalid value": "valeur invalide (un texte s’écrit entre guillemets, une date-heure sans)",
    "Invalid statement": "instruction invalide",
    "Cannot overwrite a value": "une valeur est donnée deux fois",
    "Cannot declare": "une table est déclarée deux fois",
    "Unterminated string": "texte non terminé (un guillemet manque)",
    "Expected newline or end of document after a statement": "retour à la ligne attendu après une valeur",
    "Expected '=' after a key in a key/value pair": "« = » attendu après un nom de champ",
    "Invalid initial character for a key part": "caractère inattendu au début d’un nom de champ",
    "Expected ']' at the end of a table declaration": "« ] » attendu à la fin d’une déclaration de table",
    "Expected ']]' at the end of an array declaration": "« ]] » attendu à la fin d’une déclaration [[…]]",
    "Unclosed array": "liste non fermée (« ] » manquant)",
    "Unclosed inline table": "table en ligne non fermée (« } » manquant)",
    "Invalid date or datetime": "date ou date-heure invalide",
    "Illegal character": "caractère interdit",
    "Found invalid character in string": "caractère interdit dans un texte",
    "Invalid hex value": "valeur hexadécimale invalide",
    "Unescaped '\\' in a string": "« \\ » seul dans un texte (écrivez « \\\\ »)",
}
TOML_ERROR = re.compile(
    r"not valid TOML: (?P<what>.+?)(?: \((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\))?"
)

# What missions.py says after « line N: » or « line N, event E, field 'F': ».
PHRASES: list[tuple[str, str]] = [
    (r"a \[mission\] table with title and timezone is needed", "il faut une table [mission] avec title et timezone"),
    (r"timezone '(.*)' is not an IANA zone", "le fuseau « {0} » n’est pas un fuseau IANA (ex. Europe/Paris)"),
    (r"event name '(.*)' is used twice", "le nom d’événement « {0} » est utilisé deux fois"),
    (r"the end comes before the start", "la fin précède le début"),
    (r"give both lat and lon, or neither", "donnez lat et lon, ou aucun des deux"),
    (r"a latitude between -90 and 90 is needed", "il faut une latitude entre -90 et 90"),
    (r"a longitude between -180 and 180 is needed", "il faut une longitude entre -180 et 180"),
    (r"a radius in metres between 10 and 50000 is needed", "il faut un rayon en mètres entre 10 et 50000"),
    (r"unknown field \(expected (.*)\)", "champ inconnu (champs possibles : {0})"),
    (r"missing \(a date-time like (.*)\)", "manquant (une date-heure comme {0})"),
    (
        r"(.*) is not a TOML date-time \(write (.*), unquoted\)",
        "{0} n’est pas une date-heure TOML (écrivez {1}, sans guillemets)",
    ),
    (r"\[(\w+)\] needs a '(\w+)'", "[{0}] doit avoir un champ « {1} »"),
    (r"'(\w+)' must be a non-empty string", "« {0} » doit être un texte non vide"),
]
WHERE = re.compile(r"line (?P<line>\d+)(?:, event (?P<event>\d+), field '(?P<field>\w+)')?: (?P<rest>.+)")


def in_french(message: str) -> str | None:
    """The French of a programme error, or None when the message is not one of the programme's."""
    if message == "the programme has no [[event]]":
        return "Le programme n’a aucun [[event]]."
    toml = TOML_ERROR.fullmatch(message)
    if toml:
        what = _toml_words(toml["what"])
        where = f"ligne {toml['line']}, colonne {toml['column']}" if toml["line"] else "à la fin du texte"
        return f"Programme TOML illisible, {where} : {what}."
    found = WHERE.fullmatch(message)
    if not found:
        return None
    rest = _phrase(found["rest"])
    if rest is None:
        return None
    if found["event"]:
        return f"Ligne {found['line']}, événement {found['event']}, champ « {found['field']} » : {rest}."
    return f"Ligne {found['line']} : {rest}."


def _toml_words(what: str) -> str:
    if what in TOML_MESSAGES:
        return TOML_MESSAGES[what]
    illegal = re.fullmatch(r"(?:Illegal character|Found invalid character in string) (.+)", what)
    if illegal:
        if illegal[1] == "'\\n'":
            return "retour à la ligne au milieu d’un texte (un guillemet fermant manque ?)"
        return f"caractère interdit {illegal[1]}"
    return what  # a message of a newer Python: as it is, its line and column in French


def _phrase(text: str) -> str | None:
    for pattern, french in PHRASES:
        matched = re.fullmatch(pattern, text)
        if matched:
            return french.format(*matched.groups())
    return None
