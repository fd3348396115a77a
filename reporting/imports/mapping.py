"""Their columns → our fields, and their values → our codes; both remembered per participant.

A heading or a value is matched after normalising it (case, spaces, punctuation), first against
what the participant chose last time (ImportProfile), then against our field names and labels,
codes and labels (and, for countries, every ISO 3166 name and code pycountry knows). Values that
match nothing are shown in the code-mapping step; a value left unmapped reaches the form's check
as it is, and the dry run reports it with the form's own message.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache

import pycountry
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.codes import country_names
from accounts.models import Participant, User
from reporting.imports.columns import COLUMNS, LIST_SEPARATORS, SHEETS, Column, code_lists
from reporting.models import ImportProfile

# Headings national systems use for our fields, beyond the field's name and its label in each
# interface language: English and French, with the region's usual abbreviations. Compared after
# normalise(); a heading with a note in brackets ("POB (persons on board)") is also tried without it.
SYNONYMS = {
    "national_reference": [
        "ref", "reference", "refno", "referenceno", "caseno", "casenumber", "caseid", "casereference", "caseref",
        "fileno", "filenumber", "fileref", "id", "incidentno", "incidentid", "incidentnumber", "eventno",
        "recordno", "sievno", "operationno", "nodossier", "ndossier", "numdossier", "numerodossier", "numerodedossier",
        "refdossier", "noaffaire", "numeroaffaire", "nodinterception", "identifiant",
    ],
    "detection_date": [
        "date", "detectiondate", "datedetected", "dateofdetection", "incidentdate", "eventdate",
        "interceptiondate", "dateofinterception", "intdate", "interceptdate", "detdate", "datedet", "arrivaldate",
        "dateofarrival", "apprehensiondate", "dateofapprehension", "dateofincident", "dateinterception",
        "datedinterception", "datededetection", "datedelinterception", "datedelincident", "datedarrivee",
        "datedesfaits", "datefaits",
    ],
    "categories": [
        "category", "conduct", "offence", "offense", "type", "offencetype", "typeofoffence", "crime", "crimetype",
        "categorie", "infraction", "typedinfraction", "natureinfraction",
    ],
    "protocol_benefit": [
        "benefit", "financialbenefit", "materialbenefit", "protocolbenefit", "profit", "avantage",
        "avantagefinancier", "avantagemateriel",
    ],
    "agency": [
        "agency", "unit", "reportingagency", "reportingunit", "service", "agence", "unite", "serviceinterpellateur",
    ],
    "source": ["source", "sourceofinformation", "infosource", "origineinformation", "sourcedelinformation"],
    "confidence": ["conf", "reliability", "confidence", "fiabilite", "confiance", "degredeconfiance"],
    "detection_country": [
        "country", "detectedin", "countryofdetection", "detectioncountry", "reportingcountry", "ctry", "pays",
        "paysdedetection", "paysdinterception",
    ],
    "detection_place": [
        "location", "placeofdetection", "port", "place", "site", "area", "interceptionlocation",
        "locationofinterception", "lieu", "lieudedetection", "lieudinterception", "localite",
    ],
    "latitude": ["lat", "latitude"],
    "longitude": ["lon", "long", "lng", "longitude"],
    "border_crossing_point": [
        "bcp", "poe", "pointofentry", "crossingpoint", "borderpost", "pointdepassage", "postefrontiere",
    ],
    "detection_context": ["context", "detectioncontext", "circumstances", "contexte", "circonstances"],
    "modes": [
        "mode", "transportmode", "modeoftransport", "transport", "modedetransport", "moyendetransport", "voie",
    ],
    "methods": [
        "method", "conveyance", "vessel", "vehicle", "modusoperandicode", "vesseltype", "typeofvessel", "boattype",
        "typeofboat", "crafttype", "vsltype", "vslype", "boat", "craft", "embarcation", "typedembarcation",
        "typedenavire", "navire", "moyen", "vehicule", "methode",
    ],
    "origin_country": [
        "origin", "departure", "countryoforigin", "nationality", "nationalitymajority", "majoritynationality",
        "mainnationality", "nat", "orig", "departurecountry", "countryofdeparture", "paysdorigine", "origine",
        "nationalite", "nationalitemajoritaire", "paysdedepart",
    ],
    "transit_countries": ["transit", "transits", "via", "route", "transitcountries", "paysdetransit"],
    "destination_country": [
        "destination", "intendeddestination", "dest", "destinationcountry", "paysdedestination",
        "destinationprevue",
    ],
    "migrants_total": [
        "migrants", "nomigrants", "numberofmigrants", "pax", "persons", "pob", "personsonboard", "noofpax",
        "paxno", "passengers", "irregularmigrants", "smuggledmigrants", "nombredemigrants", "migrantsnombre",
        "personnes", "nombredepersonnes", "passagers",
    ],
    "smugglers_total": [
        "smugglers", "facilitators", "nosmugglers", "arrested", "crew", "crewmembers", "noofcrew", "suspects",
        "passeurs", "nombredepasseurs", "equipage", "facilitateurs", "interpelles",
    ],
    "smuggler_roles": ["roles", "role", "smugglerroles", "rolesdespasseurs"],
    "fee_per_person": [
        "fee", "price", "amount", "feeperperson", "feepp", "priceperperson", "paidperperson", "montant",
        "prixparpersonne", "montantparpersonne", "tarif",
    ],
    "fee_currency": ["currency", "curr", "ccy", "cur", "devise", "monnaie"],
    "fee_scope": ["feecovers", "feescope", "couverture"],
    "payment_modality": ["payment", "paymentmethod", "paiement", "modedepaiement"],
    "dead": ["dead", "deaths", "fatalities", "deceased", "morts", "deces", "decedes"],
    "missing": ["missing", "disparus", "portesdisparus"],
    "injured": ["injured", "injuries", "blesses"],
    "rescued": ["rescued", "saved", "secourus", "sauves"],
    "cause_of_death": ["causeofdeath", "causedudeces"],
    "abuses": ["abuses", "abuse", "mistreatment", "abus", "mauvaistraitements"],
    "narrative": [
        "description", "summary", "remarks", "modusoperandi", "narrative", "notes", "comments", "details",
        "resume", "observations", "modeoperatoire", "commentaires", "recit",
    ],
    "citizenship": ["nationality", "citizenship", "nat", "nationalite", "citoyennete"],
    "count": ["number", "no", "total", "n", "nombre", "effectif"],
    "group": ["persongroup", "migrantorsmuggler", "groupe"],
    "sex": ["sex", "gender", "sexe", "genre"],
    "age_group": ["age", "agegroup", "trancheage", "trancheddage"],
    "document_type": ["documenttype", "typeofdocument", "typededocument"],
    "fraud_type": ["fraudtype", "typeoffraud", "typedefraude"],
    "issuing_country": ["issuingcountry", "issuedby", "paysemetteur", "paysdedelivrance"],
}  # fmt: skip


# Columns whose values look like numbers and are not (conventions.detect leaves them out).
NOT_NUMBERS = {"national_reference", "narrative", "detection_place"}
# Fields that may take one value for every row (not those that differ by nature from row to row).
NOT_FIXED = {"national_reference", "narrative", "transit_countries"}


def normalise(text: str) -> str:
    """Case, accents, spaces and punctuation away: "Nº of migrants" → "noofmigrants". Letters of other
    scripts stay (an Arabic heading is not reduced to nothing); their marks go like accents."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[\W_]+", "", text)


def value_key(text: str) -> str:
    """The key a raw value is remembered by: trimmed, spaces collapsed, case-folded."""
    return re.sub(r"\s+", " ", str(text or "")).strip().casefold()


# Columns -----------------------------------------------------------------------------------------


def profile_for(participant: Participant) -> ImportProfile:
    return ImportProfile.objects.filter(participant=participant).first() or ImportProfile(participant=participant)


_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _in(language: str, compute):
    with translation.override(language):
        return compute()


def suggest_columns(*, participant: Participant, sheet: str, headers: list[str]) -> dict[str, str]:
    """{heading: field or ""} for one sheet: last time's choice, else our name, label or a synonym."""
    remembered = profile_for(participant).column_mapping.get(sheet, {})
    known: dict[str, str] = {}
    for col in COLUMNS[sheet]:
        # The heading of a template downloaded in any interface language.
        labels = [_in(language, lambda col=col: str(col.label)) for language in _LANGUAGES]
        for alias in [col.name, *labels, *SYNONYMS.get(col.name, [])]:
            known.setdefault(normalise(alias), col.name)
    suggestion: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = normalise(header)
        bare = normalise(re.sub(r"\(.*?\)|\[.*?\]", "", str(header)))  # "POB (persons on board)" → "pob"
        name = ""
        for candidate in dict.fromkeys(k for k in (key, bare) if k):
            name = remembered.get(candidate, known.get(candidate, ""))
            if name:
                break
        if name and (name in taken or name not in {c.name for c in COLUMNS[sheet]}):
            name = ""
        suggestion[header] = name
        taken.add(name)
    return suggestion


def column_mapping_problems(sheet: str, mapping: dict[str, str]) -> list[str]:
    """What is wrong with a sheet's column mapping: a needed field without a column, a field twice."""
    problems: list[str] = []
    fields = [name for name in mapping.values() if name]
    names = {c.name: c for c in COLUMNS[sheet]}
    for name, count in Counter(fields).items():
        if name not in names:
            problems.append(_("“%(field)s” is not a field of this sheet.") % {"field": name})
        elif count > 1:
            headers = [h for h, f in mapping.items() if f == name]
            problems.append(
                _("Columns %(headers)s are all mapped to “%(field)s”: choose one, and “ignore” for the others.")
                % {"headers": ", ".join(f"“{h}”" for h in headers), "field": names[name].label}
            )
    for col in COLUMNS[sheet]:
        if col.required and col.name not in fields and not (sheet != SHEETS[0] and not fields):
            problems.append(
                _("No column is mapped to “%(field)s”, which every row needs. Map one of the columns to it.")
                % {"field": col.label}
            )
    return problems


# Codes -------------------------------------------------------------------------------------------


@cache
def _country_aliases() -> dict[str, str]:
    """Every way of naming a country that pycountry knows (alpha-2, alpha-3, names), normalised."""
    aliases: dict[str, str] = {}
    for c in pycountry.countries:
        for name in (c.alpha_3, c.alpha_2, c.name, getattr(c, "common_name", ""), getattr(c, "official_name", "")):
            if name:
                aliases.setdefault(normalise(name), c.alpha_3)
    for code, name in country_names().items():
        aliases.setdefault(normalise(name), code)
    return aliases


# Demonyms that national systems often write for citizenship (normalised → alpha-3). Users map the
# rest once in the code-mapping step, and it is remembered.
DEMONYMS = {
    "afghan": "AFG", "australian": "AUS", "bangladeshi": "BGD", "burmese": "MMR", "myanmar": "MMR",
    "cambodian": "KHM", "chinese": "CHN", "fijian": "FJI", "filipino": "PHL", "indian": "IND",
    "indonesian": "IDN", "iranian": "IRN", "iraqi": "IRQ", "japanese": "JPN", "lao": "LAO", "malaysian": "MYS",
    "nepali": "NPL", "nepalese": "NPL", "newzealander": "NZL", "pakistani": "PAK", "rohingya": "MMR",
    "srilankan": "LKA", "thai": "THA", "vietnamese": "VNM", "somali": "SOM", "syrian": "SYR",
}  # fmt: skip


class CodeResolver:
    """Turns a raw value into our code for a code list, or None when nothing matches."""

    def __init__(self, *, participant: Participant | None, code_mapping: dict[str, dict[str, str]]):
        self.mapping = code_mapping
        self.participant = participant
        self._known: dict[str, dict[str, str]] = {}
        self._memo: dict[tuple[str, str], str | None] = {}

    def _known_values(self, column: Column) -> dict[str, str]:
        if column.code_list not in self._known:
            known: dict[str, str] = {}
            choices = list(column.choices(self.participant) if column.choices else [])
            # Labels in every interface language (the file may come from a template in French or Arabic,
            # and the check may run in a worker with no language of the uploader's).
            for language in _LANGUAGES if column.choices else []:
                labelled = _in(language, lambda: [(c, str(label)) for c, label in column.choices(self.participant)])
                for code, label in labelled:
                    known.setdefault(normalise(label), code)
            for code, label in choices:
                known.setdefault(normalise(label), code)
                if column.kind == "bcp":
                    known.setdefault(normalise(label.split(" — ")[0]), code)
                    known.setdefault(normalise(label.split(" — ")[-1]), code)
                if column.kind not in ("agency", "bcp"):
                    known[normalise(code)] = code
            if column.kind in ("country", "countries"):
                known = {**_country_aliases(), **DEMONYMS, **known}
            self._known[column.code_list] = known
        return self._known[column.code_list]

    def resolve(self, column: Column, raw: str) -> str | None:
        key = value_key(raw)
        if not key:
            return ""
        memo_key = (column.code_list, key)
        if memo_key in self._memo:
            return self._memo[memo_key]
        chosen = self.mapping.get(column.code_list, {}).get(key)
        if chosen is None:
            chosen = self._known_values(column).get(normalise(raw))
        self._memo[memo_key] = chosen
        return chosen

    def split(self, column: Column, raw: str) -> list[str]:
        """The values of a cell that may hold several ("sea; land")."""
        text = str(raw or "")
        if not column.many:
            return [text] if text.strip() else []
        for separator in LIST_SEPARATORS:
            if separator in text:
                return [part.strip() for part in text.split(separator) if part.strip()]
        # "sea land" is two codes only if each is one on its own; otherwise it is one value.
        return [text.strip()] if text.strip() else []


def unresolved_values(
    *, participant: Participant, tables, column_mapping: dict[str, dict[str, str]], code_mapping, limit: int = 200
) -> dict[str, Counter]:
    """{code list: Counter(raw value)} of the values no code matches yet, over the whole file."""
    resolver = CodeResolver(participant=participant, code_mapping=code_mapping)
    found: dict[str, Counter] = {}
    for sheet, table in tables.items():
        mapping = column_mapping.get(sheet, {})
        coded = []
        for index, header in enumerate(table.headers):
            name = mapping.get(header)
            col = next((c for c in COLUMNS[sheet] if c.name == name), None)
            if col is not None and col.coded:
                coded.append((index, col))
        for row in table.rows:
            for index, col in coded:
                for value in resolver.split(col, row.cells[index]):
                    if resolver.resolve(col, value) is None:
                        counter = found.setdefault(col.code_list, Counter())
                        if len(counter) < limit or value in counter:
                            counter[value] += 1
    return found


def code_choices(participant: Participant, code_list: str) -> list[tuple[str, str]]:
    col = code_lists().get(code_list)
    if col is None:
        return []
    return col.choices(participant) if col.choices else []


def profile_remember(
    *,
    participant: Participant,
    user: User,
    column_mapping: dict[str, dict[str, str]] | None = None,
    code_mapping: dict[str, dict[str, str]] | None = None,
    date_order: str | None = None,
    fixed_values: dict[str, dict[str, str]] | None = None,
    decimal: str | None = None,
) -> ImportProfile:
    """Keep a participant's choices for next time (added to what it chose before)."""
    from django.utils import timezone

    profile = profile_for(participant)
    if column_mapping:
        for sheet, mapping in column_mapping.items():
            remembered = dict(profile.column_mapping.get(sheet, {}))
            for header, name in mapping.items():
                if normalise(header):
                    remembered[normalise(header)] = name
            profile.column_mapping = {**profile.column_mapping, sheet: remembered}
    if code_mapping:
        for code_list, values in code_mapping.items():
            profile.code_mapping = {
                **profile.code_mapping,
                code_list: {**profile.code_mapping.get(code_list, {}), **values},
            }
    if date_order:
        profile.date_order = date_order
    if fixed_values is not None:
        profile.fixed_values = fixed_values  # as chosen this time: a value taken away is forgotten
    if decimal:
        profile.conventions = {**profile.conventions, "decimal": decimal}
    profile.updated_at = timezone.now()
    profile.updated_by = user
    profile.save()
    return profile
