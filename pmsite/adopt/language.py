"""German and French postmortems, read with the English vocabulary inference knows.

Only whole headings, 'Label:' names, table header cells and one-word status cells are
translated, and only for the copy inference reads: the body keeps the document's own
words. Prose is never translated, so a field that only prose in another language states
stays out (and the report says it is missing).
"""

from __future__ import annotations

import re
import unicodedata

#: A section heading, label or column name (lower case, accents kept) -> its English name. Words English
#: shares ('Actions', 'Impact', 'Participants', 'Causes') are read as English already.
_WORDS = {
    # German
    "zusammenfassung": "Summary", "überblick": "Overview", "kurzfassung": "Summary",
    "zeitachse": "Timeline", "zeitleiste": "Timeline", "zeitlicher ablauf": "Timeline", "ablauf": "Timeline",
    "chronologie": "Timeline", "verlauf": "Timeline",
    "maßnahmen": "Action items", "massnahmen": "Action items", "folgemaßnahmen": "Action items",
    "aufgaben": "Action items", "nächste schritte": "Next steps",
    "ursache": "Root cause", "ursachen": "Root cause", "grundursache": "Root cause", "auslöser": "Trigger",
    "auswirkung": "Impact", "auswirkungen": "Impact", "erkennung": "Detection", "behebung": "Resolution",
    "erkenntnisse": "Lessons learned", "lehren": "Lessons learned", "gelernte lektionen": "Lessons learned",
    "beteiligte": "Participants", "teilnehmer": "Participants", "betroffene dienste": "Affected services",
    "datum": "Date", "vorfallsdatum": "Incident date", "datum des vorfalls": "Incident date",
    "schweregrad": "Severity", "schwere": "Severity", "priorität": "Priority",
    "autor": "Author", "autorin": "Author", "autoren": "Authors", "verfasser": "Author",
    "uhrzeit": "Time", "zeit": "Time", "zeitpunkt": "Time", "ereignis": "Event", "beschreibung": "Description",
    "maßnahme": "Action", "massnahme": "Action", "aufgabe": "Action", "verantwortlich": "Owner",
    "zuständig": "Owner", "fällig": "Due", "frist": "Due", "fälligkeit": "Due", "termin": "Due",
    "dauer": "Duration", "ausfallzeit": "Downtime", "zeit bis zur erkennung": "Time to detect",
    "zeit bis zur behebung": "Time to resolve",
    # French
    "résumé": "Summary", "synthèse": "Summary", "chronologie des événements": "Timeline",
    "déroulé": "Timeline", "actions correctives": "Action items",
    "plan d'action": "Action items", "plan d’action": "Action items", "cause racine": "Root cause",
    "causes racines": "Root cause", "détection": "Detection", "résolution": "Resolution",
    "leçons apprises": "Lessons learned", "enseignements": "Lessons learned",
    "services impactés": "Affected services", "services affectés": "Affected services",
    "date de l'incident": "Incident date", "date de l’incident": "Incident date", "sévérité": "Severity",
    "gravité": "Severity", "auteur": "Author", "auteurs": "Authors", "heure": "Time", "horodatage": "Time",
    "événement": "Event", "responsable": "Owner", "échéance": "Due",
    "statut": "Status", "état": "Status", "durée": "Duration", "durée de l'incident": "Duration",
    "temps de détection": "Time to detect", "temps de résolution": "Time to resolve",
    "temps de rétablissement": "Time to recover",
}
#: A status cell's whole text -> the English word the status reader knows.
_STATUSES = {
    "erledigt": "Done", "abgeschlossen": "Done", "offen": "Open", "in bearbeitung": "In progress",
    "in arbeit": "In progress", "blockiert": "Blocked", "verworfen": "Won't do",
    "terminé": "Done", "fait": "Done", "clos": "Done", "ouvert": "Open", "à faire": "Open",
    "en cours": "In progress", "bloqué": "Blocked", "abandonné": "Won't do",
}
#: A '## Zusammenfassung' heading, or a bold line standing for one ('**Zeitachse**').
_HEADING = re.compile(r"^(?P<marks>#{2,6}\s+|\s*(?:\*\*|__))(?P<text>[^*_]+?)\s*(?:#*|\*\*:?|__:?)\s*$")
_LABEL = re.compile(r"^(?P<lead>\s*(?:[-*+]\s+)?(?:\*\*|__)?)(?P<label>[^\W\d_][^:*_|\n]{1,40}?)(?P<colon>\s*:)")


def _english(text: str, words: dict[str, str]) -> str | None:
    key = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip(" *_:").lower()
    return words.get(key)


def in_english(markdown: str) -> tuple[str, list[str]]:
    """The text with German or French section names, labels and statuses in English, and a note naming them."""
    translated: list[str] = []
    lines = markdown.split("\n")
    for index, line in enumerate(lines):
        heading = _HEADING.match(line)
        # 'Zeitlicher Ablauf (MESZ)': the name without its bracket, which is kept
        name, bracket = re.match(r"(.*?)\s*(\([^()]*\))?\s*$", heading["text"]).groups() if heading else ("", "")
        if heading and (english := _english(name, _WORDS)):
            lines[index] = ("## " if heading["marks"].strip() in ("**", "__") else heading["marks"]) + english \
                + (f" {bracket}" if bracket else "")
            translated.append(name.strip())
        elif line.lstrip().startswith("|"):
            cells = line.split("|")
            new = [(" " + english + " ") if (english := _english(cell, _WORDS) or _english(cell, _STATUSES))
                   else cell for cell in cells]
            translated += [cell.strip() for cell, was in zip(cells, new) if cell is not was]
            lines[index] = "|".join(new)
        elif (label := _LABEL.match(line)) and (english := _english(label["label"], _WORDS)):
            lines[index] = label["lead"] + english + label["colon"] + line[label.end():]
            translated.append(label["label"].strip())
    if not translated:
        return markdown, []
    names = ", ".join(dict.fromkeys(translated))
    return "\n".join(lines), [f"read German or French section names, labels and statuses as English ({names}); "
                              "prose in another language is not read"]
