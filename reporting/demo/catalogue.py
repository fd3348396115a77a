"""The fixed cast of the demo: participants, their agencies and crossing points, currencies, routes
and narrative templates. Plausible for the Bali Process region; every figure drawn from it is
synthetic (reporting/demo/incidents.py draws them from the seed).
"""

from dataclasses import dataclass
from enum import StrEnum

from accounts.models import Agency, Participant
from reporting import codes


class Standing(StrEnum):
    """How a demo participant behaves over the 24 months, one of each case of the reciprocity rule."""

    ACTIVE = "active"  # submits most months
    SUSPENDED = "suspended"  # submitted until the secretariat suspended it
    INVITED = "invited"  # admitted on paper, never active: no returns
    GRACE = "grace"  # joined recently: contributing by the grace period alone
    LAPSED = "lapsed"  # still active but stopped submitting months ago


@dataclass(frozen=True)
class CrossingPoint:
    code: str
    name: str
    mode: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class DemoParticipant:
    code: str
    name: str
    kind: str
    region: str
    country: str  # "" for an organisation
    standing: Standing
    weight: float  # relative share of the region's detections
    currency: str
    agencies: tuple[tuple[str, str], ...]
    crossing_points: tuple[CrossingPoint, ...]
    inland_places: tuple[str, ...] = ()
    # An organisation reports detections made in its member countries.
    detection_countries: tuple[str, ...] = ()
    # The name in French and Arabic where the ISO country name is not the one wanted (an organisation
    # has none): Participant.name_fr, name_ar.
    name_fr: str = ""
    name_ar: str = ""

    @property
    def countries(self) -> tuple[str, ...]:
        return self.detection_countries or (self.country,)


S, T, ORG = Participant.Kind.STATE, Participant.Kind.TERRITORY, Participant.Kind.ORGANISATION
R = Participant.Region
A = Agency.Kind
LAND, SEA, AIR = codes.Mode.LAND, codes.Mode.SEA, codes.Mode.AIR


# fmt: off
PARTICIPANTS: tuple[DemoParticipant, ...] = (
    DemoParticipant(
        "AUS", "Australia", S, R.PACIFIC, "AUS", Standing.ACTIVE, 9.0, "AUD",
        (("Australian Border Force", A.IMMIGRATION), ("Australian Federal Police", A.POLICE),
         ("Maritime Border Command", A.COAST_GUARD)),
        (CrossingPoint("SYD", "Sydney Airport", AIR, -33.93990, 151.17530),
         CrossingPoint("MEL", "Melbourne Airport", AIR, -37.67330, 144.84330),
         CrossingPoint("PER", "Perth Airport", AIR, -31.94030, 115.96690),
         CrossingPoint("XCH", "Christmas Island", SEA, -10.42200, 105.67800),
         CrossingPoint("DRW", "Port of Darwin", SEA, -12.46800, 130.84500)),
        ("Christmas Island", "Ashmore Reef", "Broome", "Brisbane", "Sydney"),
    ),
    DemoParticipant(
        "NZL", "New Zealand", S, R.PACIFIC, "NZL", Standing.ACTIVE, 2.0, "NZD",
        (("Immigration New Zealand", A.IMMIGRATION), ("New Zealand Police", A.POLICE),
         ("New Zealand Customs Service", A.CUSTOMS)),
        (CrossingPoint("AKL", "Auckland Airport", AIR, -37.00820, 174.78500),
         CrossingPoint("CHC", "Christchurch Airport", AIR, -43.48940, 172.53200),
         CrossingPoint("TRG", "Port of Tauranga", SEA, -37.64700, 176.18000)),
        ("Auckland", "Wellington"),
    ),
    DemoParticipant(
        "IDN", "Indonesia", S, R.SOUTH_EAST_ASIA, "IDN", Standing.ACTIVE, 8.0, "IDR",
        (("Directorate General of Immigration", A.IMMIGRATION), ("Indonesian National Police", A.POLICE),
         ("Indonesian Maritime Security Agency", A.COAST_GUARD)),
        (CrossingPoint("CGK", "Soekarno-Hatta International Airport", AIR, -6.12560, 106.65580),
         CrossingPoint("DPS", "Ngurah Rai International Airport", AIR, -8.74820, 115.16720),
         CrossingPoint("BTM", "Batam Centre Ferry Terminal", SEA, 1.12800, 104.05300),
         CrossingPoint("ENT", "Entikong", LAND, 0.97500, 110.35000)),
        ("Kupang", "Rote Island", "Pelabuhan Ratu", "Aceh", "Jakarta", "Medan"),
    ),
    DemoParticipant(
        "MYS", "Malaysia", S, R.SOUTH_EAST_ASIA, "MYS", Standing.ACTIVE, 8.0, "MYR",
        (("Immigration Department of Malaysia", A.IMMIGRATION), ("Royal Malaysia Police", A.POLICE),
         ("Malaysian Maritime Enforcement Agency", A.COAST_GUARD)),
        (CrossingPoint("KUL", "Kuala Lumpur International Airport", AIR, 2.74560, 101.70990),
         CrossingPoint("BKH", "Bukit Kayu Hitam", LAND, 6.51100, 100.42100),
         CrossingPoint("JBQ", "Johor Bahru CIQ", LAND, 1.46300, 103.76400),
         CrossingPoint("PKL", "Port Klang", SEA, 3.00000, 101.39000)),
        ("Kuala Lumpur", "Penang", "Langkawi", "Kedah", "Johor"),
    ),
    DemoParticipant(
        "THA", "Thailand", S, R.SOUTH_EAST_ASIA, "THA", Standing.ACTIVE, 10.0, "THB",
        (("Immigration Bureau", A.IMMIGRATION), ("Royal Thai Police", A.POLICE),
         ("Royal Thai Navy", A.COAST_GUARD)),
        (CrossingPoint("BKK", "Suvarnabhumi Airport", AIR, 13.69000, 100.75010),
         CrossingPoint("SDO", "Sadao", LAND, 6.64000, 100.42400),
         CrossingPoint("MSO", "Mae Sot", LAND, 16.71300, 98.57300),
         CrossingPoint("ARN", "Aranyaprathet", LAND, 13.69000, 102.50600),
         CrossingPoint("RNG", "Ranong Port", SEA, 9.96500, 98.63800)),
        ("Bangkok", "Tak province", "Kanchanaburi", "Songkhla", "Satun", "Chiang Rai"),
    ),
    DemoParticipant(
        "LKA", "Sri Lanka", S, R.SOUTH_ASIA, "LKA", Standing.ACTIVE, 4.0, "LKR",
        (("Department of Immigration and Emigration", A.IMMIGRATION), ("Sri Lanka Police", A.POLICE),
         ("Sri Lanka Navy", A.COAST_GUARD)),
        (CrossingPoint("CMB", "Bandaranaike International Airport", AIR, 7.18080, 79.88410),
         CrossingPoint("TCO", "Trincomalee Harbour", SEA, 8.56000, 81.23000)),
        ("Negombo", "Batticaloa", "Chilaw", "Mullaitivu"),
    ),
    DemoParticipant(
        "PHL", "Philippines", S, R.SOUTH_EAST_ASIA, "PHL", Standing.ACTIVE, 3.0, "PHP",
        (("Bureau of Immigration", A.IMMIGRATION), ("Philippine National Police", A.POLICE),
         ("Philippine Coast Guard", A.COAST_GUARD)),
        (CrossingPoint("MNL", "Ninoy Aquino International Airport", AIR, 14.50860, 121.01940),
         CrossingPoint("CEB", "Mactan-Cebu International Airport", AIR, 10.30750, 123.97940),
         CrossingPoint("ZAM", "Port of Zamboanga", SEA, 6.90000, 122.07000)),
        ("Manila", "Zamboanga", "Tawi-Tawi"),
    ),
    DemoParticipant(
        "VNM", "Viet Nam", S, R.SOUTH_EAST_ASIA, "VNM", Standing.ACTIVE, 3.0, "VND",
        (("Immigration Department", A.IMMIGRATION), ("Border Guard Command", A.BORDER_GUARD),
         ("Viet Nam Coast Guard", A.COAST_GUARD)),
        (CrossingPoint("SGN", "Tan Son Nhat International Airport", AIR, 10.81880, 106.65190),
         CrossingPoint("HAN", "Noi Bai International Airport", AIR, 21.22120, 105.80720),
         CrossingPoint("MBI", "Moc Bai", LAND, 11.06000, 106.17000)),
        ("Ho Chi Minh City", "Tay Ninh", "Hai Phong"),
    ),
    DemoParticipant(
        "KHM", "Cambodia", S, R.SOUTH_EAST_ASIA, "KHM", Standing.ACTIVE, 2.0, "KHR",
        (("General Department of Immigration", A.IMMIGRATION), ("Cambodian National Police", A.POLICE)),
        (CrossingPoint("PNH", "Phnom Penh International Airport", AIR, 11.54660, 104.84410),
         CrossingPoint("PPT", "Poipet", LAND, 13.65900, 102.56400),
         CrossingPoint("BVT", "Bavet", LAND, 11.07000, 106.13000)),
        ("Phnom Penh", "Banteay Meanchey", "Koh Kong"),
    ),
    DemoParticipant(
        "MMR", "Myanmar", S, R.SOUTH_EAST_ASIA, "MMR", Standing.SUSPENDED, 2.0, "MMK",
        (("Department of Immigration", A.IMMIGRATION), ("Myanmar Police Force", A.POLICE)),
        (CrossingPoint("RGN", "Yangon International Airport", AIR, 16.90730, 96.13320),
         CrossingPoint("MWD", "Myawaddy", LAND, 16.69000, 98.51000),
         CrossingPoint("KTG", "Kawthaung", SEA, 9.98000, 98.55000)),
        ("Yangon", "Sittwe", "Kawthaung"),
    ),
    DemoParticipant(
        "BGD", "Bangladesh", S, R.SOUTH_ASIA, "BGD", Standing.ACTIVE, 3.0, "BDT",
        (("Department of Immigration and Passports", A.IMMIGRATION), ("Bangladesh Police", A.POLICE),
         ("Bangladesh Coast Guard", A.COAST_GUARD)),
        (CrossingPoint("DAC", "Hazrat Shahjalal International Airport", AIR, 23.84330, 90.39780),
         CrossingPoint("BNP", "Benapole", LAND, 23.04000, 88.89000),
         CrossingPoint("TKF", "Teknaf", SEA, 20.86000, 92.30000)),
        ("Cox's Bazar", "Teknaf", "Dhaka"),
    ),
    DemoParticipant(
        "PAK", "Pakistan", S, R.SOUTH_ASIA, "PAK", Standing.ACTIVE, 3.0, "PKR",
        (("Federal Investigation Agency", A.IMMIGRATION), ("Frontier Corps", A.BORDER_GUARD)),
        (CrossingPoint("ISB", "Islamabad International Airport", AIR, 33.54900, 72.82560),
         CrossingPoint("KHI", "Jinnah International Airport", AIR, 24.90650, 67.16080),
         CrossingPoint("TKM", "Torkham", LAND, 34.10000, 71.09000),
         CrossingPoint("TFN", "Taftan", LAND, 28.96000, 61.60000)),
        ("Quetta", "Karachi", "Lahore", "Gwadar"),
    ),
    DemoParticipant(
        "AFG", "Afghanistan", S, R.WEST_ASIA, "AFG", Standing.INVITED, 0.0, "AFN",
        (("Ministry of Interior — Border Police", A.BORDER_GUARD),),
        (CrossingPoint("KBL", "Kabul International Airport", AIR, 34.56590, 69.21230),),
    ),
    DemoParticipant(
        "IND", "India", S, R.SOUTH_ASIA, "IND", Standing.LAPSED, 4.0, "INR",
        (("Bureau of Immigration", A.IMMIGRATION), ("Border Security Force", A.BORDER_GUARD),
         ("Indian Coast Guard", A.COAST_GUARD)),
        (CrossingPoint("DEL", "Indira Gandhi International Airport", AIR, 28.55620, 77.10000),
         CrossingPoint("MAA", "Chennai International Airport", AIR, 12.99410, 80.17090),
         CrossingPoint("PTR", "Petrapole", LAND, 23.04000, 88.88000)),
        ("Chennai", "Rameswaram", "New Delhi"),
    ),
    DemoParticipant(
        "JPN", "Japan", S, R.EAST_ASIA, "JPN", Standing.ACTIVE, 3.0, "JPY",
        (("Immigration Services Agency", A.IMMIGRATION), ("National Police Agency", A.POLICE),
         ("Japan Coast Guard", A.COAST_GUARD)),
        (CrossingPoint("NRT", "Narita International Airport", AIR, 35.77200, 140.39290),
         CrossingPoint("KIX", "Kansai International Airport", AIR, 34.43420, 135.24400)),
        ("Tokyo", "Osaka", "Nagoya"),
    ),
    DemoParticipant(
        "KOR", "Republic of Korea", S, R.EAST_ASIA, "KOR", Standing.ACTIVE, 4.0, "KRW",
        (("Korea Immigration Service", A.IMMIGRATION), ("Korean National Police Agency", A.POLICE),
         ("Korea Coast Guard", A.COAST_GUARD)),
        (CrossingPoint("ICN", "Incheon International Airport", AIR, 37.46020, 126.44070),
         CrossingPoint("PUS", "Port of Busan", SEA, 35.10000, 129.04000),
         CrossingPoint("CJU", "Jeju International Airport", AIR, 33.51130, 126.49300)),
        ("Seoul", "Jeju", "Gyeonggi province"),
        name_fr="République de Corée",
        name_ar="جمهورية كوريا",
    ),
    DemoParticipant(
        "HKG", "Hong Kong, China", T, R.EAST_ASIA, "HKG", Standing.ACTIVE, 3.0, "HKD",
        (("Immigration Department", A.IMMIGRATION), ("Hong Kong Police Force", A.POLICE),
         ("Customs and Excise Department", A.CUSTOMS)),
        (CrossingPoint("HKA", "Hong Kong International Airport", AIR, 22.30800, 113.91850),
         CrossingPoint("LWU", "Lo Wu", LAND, 22.52800, 114.11300),
         CrossingPoint("CHT", "China Ferry Terminal", SEA, 22.29900, 114.16700)),
        ("Kowloon", "Yuen Long"),
        name_fr="Hong Kong (Chine)",
        name_ar="هونغ كونغ، الصين",
    ),
    DemoParticipant(
        "NCL", "New Caledonia", T, R.PACIFIC, "NCL", Standing.ACTIVE, 0.5, "XPF",
        (("Police aux frontières", A.IMMIGRATION), ("Maritime Affairs", A.COAST_GUARD)),
        (CrossingPoint("NOU", "La Tontouta International Airport", AIR, -22.01460, 166.21300),
         CrossingPoint("NMA", "Port of Nouméa", SEA, -22.26000, 166.43000)),
        ("Nouméa",),
    ),
    DemoParticipant(
        "PNG", "Papua New Guinea", S, R.PACIFIC, "PNG", Standing.ACTIVE, 1.0, "PGK",
        (("Immigration and Citizenship Authority", A.IMMIGRATION), ("Royal Papua New Guinea Constabulary", A.POLICE)),
        (CrossingPoint("POM", "Jacksons International Airport", AIR, -9.44340, 147.22000),
         CrossingPoint("WTG", "Wutung", LAND, -2.60000, 141.01000)),
        ("Port Moresby", "Vanimo", "Daru"),
    ),
    DemoParticipant(
        "TLS", "Timor-Leste", S, R.SOUTH_EAST_ASIA, "TLS", Standing.GRACE, 0.5, "USD",
        (("Immigration Service", A.IMMIGRATION), ("National Police", A.POLICE)),
        (CrossingPoint("DIL", "Presidente Nicolau Lobato International Airport", AIR, -8.54640, 125.52470),
         CrossingPoint("BTG", "Batugade", LAND, -8.97000, 124.99000)),
        ("Dili",),
    ),
    DemoParticipant(
        "PIDC", "Pacific Immigration Development Community", ORG, R.PACIFIC, "", Standing.ACTIVE, 1.0, "FJD",
        (("PIDC Secretariat", A.OTHER),),
        (CrossingPoint("NAN", "Nadi International Airport (Fiji)", AIR, -17.75540, 177.44340),
         CrossingPoint("VLI", "Bauerfield International Airport (Vanuatu)", AIR, -17.69930, 168.32000),
         CrossingPoint("TBU", "Fua'amotu International Airport (Tonga)", AIR, -21.24120, -175.15000)),
        ("Suva", "Port Vila", "Nuku'alofa", "Honiara"),
        detection_countries=("FJI", "VUT", "TON", "SLB", "WSM"),
        name_fr="Communauté de développement de l'immigration du Pacifique",
        name_ar="جماعة تنمية الهجرة في المحيط الهادئ",
    ),
)

# fmt: on

# US dollars per unit at the start of the period; demo rates drift from these month by month.
BASE_RATES: dict[str, float] = {
    "USD": 1.0,
    "AUD": 0.66,
    "NZD": 0.60,
    "IDR": 0.000064,
    "MYR": 0.22,
    "THB": 0.028,
    "LKR": 0.0033,
    "PHP": 0.018,
    "VND": 0.000040,
    "KHR": 0.000245,
    "MMK": 0.00048,
    "BDT": 0.0085,
    "PKR": 0.0036,
    "AFN": 0.014,
    "INR": 0.012,
    "JPY": 0.0068,
    "KRW": 0.00075,
    "HKD": 0.128,
    "XPF": 0.0091,
    "PGK": 0.26,
    "FJD": 0.44,
    "CNY": 0.14,
}


@dataclass(frozen=True)
class Route:
    """A smuggling route pattern: who travels where, how, for what fee, and who detects it."""

    name: str
    origins: tuple[str, ...]
    transits: tuple[str, ...]
    destination: str
    modes: tuple[str, ...]
    methods: tuple[str, ...]
    contexts: tuple[str, ...]
    detectors: tuple[str, ...]  # participant codes that detect incidents on this route
    categories: tuple[str, ...]
    fee_usd: tuple[int, int]  # range of a fee per person, in USD
    fee_currencies: tuple[str, ...]
    group_size: tuple[int, int]  # migrants per incident
    minors_share: float
    female_share: float
    harm_risk: float = 0.0  # chance of deaths or missing persons
    weight: float = 1.0
    smugglers: tuple[int, int] = (0, 3)
    roles: tuple[str, ...] = ()
    documents: tuple[tuple[str, str], ...] = ()  # (document type, fraud type) seen on this route
    abuses: tuple[str, ...] = ()
    causes_of_death: tuple[str, ...] = (codes.CauseOfDeath.UNKNOWN,)


C = codes.ConductCategory
M = codes.Method
X = codes.DetectionContext
ROLE = codes.SmugglerRole
DOC = codes.DocumentType
FRAUD = codes.FraudType
AB = codes.Abuse
DEATH = codes.CauseOfDeath

# Narrative templates by where and how the detection happened. Short, factual, and free of names,
# document numbers or anything else that identifies a person (the system is non-nominal).
NARRATIVES: dict[str, tuple[str, ...]] = {
    "sea": (
        "A {vessel} carrying {passengers} was intercepted {where}. The passengers said they had boarded "
        "at night from a beach after paying an organiser; {crew} detained.",
        "Patrol aircraft sighted an overloaded {vessel} {where}. {people} {were} transferred to a patrol "
        "vessel; the engine had failed two days earlier and drinking water had run out.",
        "{migrants} {were} found aboard a {vessel} {where}. The group had been kept in a safe house for "
        "several weeks before departure and moved to the boat in small groups.",
        "Information from a partner agency led to the interception of a {vessel} {where} with {people} "
        "aboard. Payments had been made through an informal money transfer agent.",
    ),
    "exit": (
        "{people} {were} stopped {where} before departure towards {destination}. The journey had been "
        "arranged by an organiser who collected part of the fee in advance.",
        "Document examiners {where} found {docs} and refused boarding to {travellers}. The tickets had "
        "been bought in one booking by a travel agent.",
    ),
    "land_bcp": (
        "{migrants} {were} found concealed in the cargo area of a truck {where}. The driver said he was "
        "paid per person to carry them across the border.",
        "Checks on a passenger van {where} found {passengers} without entry records, recruited with "
        "offers of work in construction and agriculture.",
    ),
    "land_between": (
        "A group of {people} crossed on foot through plantations {where}, led by a local guide, and was "
        "detected by a patrol at dawn.",
        "A patrol stopped a small boat ferrying {people} across the border river {where}. The boatman "
        "was paid per crossing by a facilitator on the other bank.",
    ),
    "air": (
        "{passengers} arriving from {hub} presented {docs} {where}. The documents were of good quality "
        "and had been supplied by a facilitator at the transit hub.",
        "Profiling {where} identified {travellers} on transit tickets from {hub} who had not boarded "
        "their onward flights and tried to enter on visas obtained with false supporting papers.",
        "An escort travelling with {passengers} collected their {docs} after the flight from {hub}; the "
        "group was referred for interview {where}.",
    ),
    "staging": (
        "{migrants} {were} detected in a rented house {where} used as a staging point before onward travel.",
        "A minibus {where} was stopped on its way to the coast with {passengers}, who had been moved "
        "from a safe house the night before.",
    ),
    "stay": (
        "An inspection of workplaces {where} found {people} who had overstayed tourist visas; a labour "
        "broker had arranged their travel and employment.",
        "Checks {where} found {people} working after their permission to stay had expired. Recruitment "
        "fees were being deducted from wages.",
    ),
}

# fmt: off
ROUTES: tuple[Route, ...] = (
    Route(
        "Sri Lanka to Australia by sea", ("LKA",), (), "AUS", (SEA,), (M.FISHING_BOAT,),
        (X.AT_SEA, X.ON_EXIT), ("LKA", "AUS"), (C.MIGRANT_SMUGGLING, C.IRREGULAR_EXIT, C.IRREGULAR_ENTRY),
        (3000, 10000), ("LKR", "USD"), (8, 60), 0.12, 0.15, harm_risk=0.06, weight=3.0,
        smugglers=(1, 6), roles=(ROLE.ORGANISER, ROLE.CAPTAIN_CREW, ROLE.RECRUITER, ROLE.MONEY_HANDLER),
        abuses=(AB.ENDANGERMENT,), causes_of_death=(DEATH.DROWNING, DEATH.HARSH_CONDITIONS),
    ),
    Route(
        "Middle East and South Asia to Australia via Malaysia and Indonesia",
        ("AFG", "IRN", "PAK", "IRQ"), ("MYS", "IDN"), "AUS", (AIR, SEA),
        (M.COMMERCIAL_FLIGHT, M.ABUSE_OF_LEGAL_ENTRY, M.FISHING_BOAT, M.SMALL_BOAT),
        (X.AT_SEA, X.INLAND, X.ON_EXIT), ("IDN", "AUS", "MYS"),
        (C.MIGRANT_SMUGGLING, C.IRREGULAR_ENTRY, C.IRREGULAR_STAY), (5000, 15000), ("USD",), (6, 80),
        0.18, 0.2, harm_risk=0.08, weight=4.0, smugglers=(1, 5),
        roles=(ROLE.ORGANISER, ROLE.CAPTAIN_CREW, ROLE.SAFE_HOUSE, ROLE.MONEY_HANDLER, ROLE.TRANSPORTER),
        abuses=(AB.ENDANGERMENT, AB.INHUMAN_TREATMENT), causes_of_death=(DEATH.DROWNING, DEATH.HARSH_CONDITIONS),
    ),
    Route(
        "Myanmar and Bangladesh to Malaysia across the Andaman Sea", ("MMR", "BGD"), ("THA",), "MYS",
        (SEA, LAND), (M.FISHING_BOAT, M.SMALL_BOAT, M.ON_FOOT), (X.AT_SEA, X.BETWEEN_BCPS, X.INLAND),
        ("THA", "MYS", "IDN", "BGD", "MMR"), (C.MIGRANT_SMUGGLING, C.IRREGULAR_ENTRY, C.IRREGULAR_EXIT),
        (1000, 3000), ("MYR", "THB", "BDT"), (10, 120), 0.25, 0.35, harm_risk=0.1,
        weight=4.0, smugglers=(1, 8), roles=(ROLE.RECRUITER, ROLE.CAPTAIN_CREW, ROLE.GUIDE, ROLE.SAFE_HOUSE),
        abuses=(AB.ENDANGERMENT, AB.VIOLENCE, AB.KIDNAPPING, AB.POSSIBLE_TRAFFICKING, AB.SEXUAL_VIOLENCE),
        causes_of_death=(DEATH.DROWNING, DEATH.HARSH_CONDITIONS, DEATH.VIOLENCE, DEATH.SICKNESS),
    ),
    Route(
        "Myanmar to Thailand and Malaysia by land", ("MMR",), ("THA",), "MYS", (LAND,),
        (M.TRUCK_CONTAINER, M.ON_FOOT, M.CONCEALMENT, M.CAR_BUS), (X.BETWEEN_BCPS, X.INLAND, X.AT_BCP),
        ("THA", "MYS"), (C.MIGRANT_SMUGGLING, C.IRREGULAR_ENTRY), (500, 1800), ("THB", "MYR"), (3, 40),
        0.15, 0.4, harm_risk=0.02, weight=5.0, smugglers=(1, 3),
        roles=(ROLE.TRANSPORTER, ROLE.GUIDE, ROLE.RECRUITER, ROLE.CORRUPT_OFFICIAL),
        abuses=(AB.ENDANGERMENT, AB.INHUMAN_TREATMENT), causes_of_death=(DEATH.SUFFOCATION, DEATH.VEHICLE_ACCIDENT),
    ),
    Route(
        "Cambodia and Lao PDR to Thailand for work", ("KHM", "LAO"), (), "THA", (LAND,),
        (M.ON_FOOT, M.CAR_BUS, M.ABUSE_OF_LEGAL_ENTRY), (X.BETWEEN_BCPS, X.AT_BCP, X.INLAND), ("THA", "KHM"),
        (C.IRREGULAR_ENTRY, C.IRREGULAR_EXIT, C.IRREGULAR_STAY, C.MIGRANT_SMUGGLING), (100, 400),
        ("THB", "KHR"), (2, 30), 0.1, 0.45, weight=5.0, smugglers=(0, 2),
        roles=(ROLE.RECRUITER, ROLE.TRANSPORTER, ROLE.GUIDE),
    ),
    Route(
        "Viet Nam to Malaysia overland", ("VNM",), ("KHM", "THA"), "MYS", (LAND,),
        (M.CAR_BUS, M.ABUSE_OF_LEGAL_ENTRY, M.TRUCK_CONTAINER), (X.AT_BCP, X.INLAND), ("KHM", "THA", "MYS", "VNM"),
        (C.MIGRANT_SMUGGLING, C.IRREGULAR_STAY), (800, 2500), ("USD", "VND"), (2, 20), 0.05, 0.4,
        weight=2.0, smugglers=(0, 2), roles=(ROLE.TRANSPORTER, ROLE.ORGANISER),
    ),
    Route(
        "South Asia to Australia and New Zealand by air via South-East Asian hubs",
        ("IND", "LKA", "PAK", "BGD"), ("THA", "MYS"), "AUS", (AIR,),
        (M.COMMERCIAL_FLIGHT, M.FALSE_DOCUMENTS, M.FRAUDULENTLY_OBTAINED_DOCUMENTS),
        (X.AT_BCP, X.ON_EXIT), ("AUS", "NZL", "THA", "MYS", "IND", "LKA", "PAK", "BGD"),
        (C.DOCUMENT_FRAUD, C.MIGRANT_SMUGGLING, C.IRREGULAR_ENTRY), (10000, 30000), ("USD", "INR", "LKR"),
        (1, 6), 0.08, 0.3, weight=4.0, smugglers=(0, 1),
        roles=(ROLE.DOCUMENT_SUPPLIER, ROLE.ORGANISER),
        documents=((DOC.PASSPORT, FRAUD.IMPOSTOR), (DOC.VISA, FRAUD.COUNTERFEIT), (DOC.PASSPORT, FRAUD.FORGED),
                   (DOC.VISA, FRAUD.FRAUDULENTLY_OBTAINED)),
    ),
    Route(
        "East and South-East Asia to Japan and Korea by air", ("VNM", "CHN", "THA", "PHL"), ("HKG",), "KOR",
        (AIR,), (M.COMMERCIAL_FLIGHT, M.ABUSE_OF_LEGAL_ENTRY, M.FALSE_DOCUMENTS),
        (X.AT_BCP, X.INLAND), ("KOR", "JPN", "HKG", "VNM", "PHL"),
        (C.IRREGULAR_ENTRY, C.IRREGULAR_STAY, C.DOCUMENT_FRAUD, C.MIGRANT_SMUGGLING), (3000, 12000),
        ("USD", "VND", "CNY"), (1, 8), 0.03, 0.45, weight=4.0,
        smugglers=(0, 2), roles=(ROLE.ORGANISER, ROLE.DOCUMENT_SUPPLIER, ROLE.RECRUITER),
        documents=((DOC.VISA, FRAUD.FRAUDULENTLY_OBTAINED), (DOC.PASSPORT, FRAUD.COUNTERFEIT),
                   (DOC.RESIDENCE_PERMIT, FRAUD.COUNTERFEIT)),
        abuses=(AB.POSSIBLE_TRAFFICKING,),
    ),
    Route(
        "Overstay after visa-free or tourist entry", ("IDN", "PHL", "THA", "VNM", "CHN"), (), "JPN", (AIR,),
        (M.ABUSE_OF_LEGAL_ENTRY, M.COMMERCIAL_FLIGHT), (X.INLAND,), ("JPN", "KOR", "AUS", "NZL", "MYS", "HKG"),
        (C.IRREGULAR_STAY,), (1500, 6000), ("USD", "IDR", "PHP"), (1, 15), 0.02, 0.5,
        weight=3.0, smugglers=(0, 1), roles=(ROLE.RECRUITER,), abuses=(AB.POSSIBLE_TRAFFICKING,),
    ),
    Route(
        "Asia to the Pacific islands and onward by air", ("CHN", "IND", "BGD", "PHL"), ("FJI",), "NZL", (AIR,),
        (M.COMMERCIAL_FLIGHT, M.FALSE_DOCUMENTS, M.ABUSE_OF_LEGAL_ENTRY), (X.AT_BCP, X.INLAND, X.ON_EXIT),
        ("PIDC", "NCL", "NZL", "PNG", "AUS"), (C.DOCUMENT_FRAUD, C.IRREGULAR_ENTRY, C.MIGRANT_SMUGGLING),
        (4000, 15000), ("USD", "FJD", "XPF"), (1, 6), 0.05, 0.35, weight=1.5,
        smugglers=(0, 1), roles=(ROLE.ORGANISER, ROLE.DOCUMENT_SUPPLIER),
        documents=((DOC.PASSPORT, FRAUD.COUNTERFEIT), (DOC.VISA, FRAUD.FRAUDULENTLY_OBTAINED),
                   (DOC.NATIONAL_ID, FRAUD.PSEUDO)),
    ),
    Route(
        "Indonesia to Papua New Guinea and Timor-Leste across land borders", ("IDN",), (), "PNG", (LAND, SEA),
        (M.ON_FOOT, M.SMALL_BOAT), (X.BETWEEN_BCPS, X.AT_BCP), ("PNG", "TLS", "IDN"),
        (C.IRREGULAR_ENTRY, C.IRREGULAR_EXIT), (50, 300), ("IDR", "PGK", "USD"), (1, 12), 0.2, 0.4,
        weight=1.5, smugglers=(0, 1), roles=(ROLE.GUIDE,),
    ),
)

# fmt: on

HUBS = {"THA": "Bangkok", "MYS": "Kuala Lumpur", "HKG": "Hong Kong", "FJI": "Nadi", "IDN": "Jakarta"}
VESSELS = ("wooden fishing boat", "motorised wooden boat", "small cargo vessel", "speedboat")
DOCUMENT_PHRASES = {
    FRAUD.COUNTERFEIT: "counterfeit visas",
    FRAUD.FORGED: "passports with substituted photographs",
    FRAUD.PSEUDO: "pseudo identity documents",
    FRAUD.FRAUDULENTLY_OBTAINED: "genuine visas obtained with false employment letters",
    FRAUD.IMPOSTOR: "genuine passports belonging to other people",
    FRAUD.STOLEN_BLANK: "passports made from stolen blanks",
}


# Detected smugglers are mostly adult men.
SMUGGLER_MALE_SHARE = 0.85
SMUGGLER_ADULT_SHARE = 0.97
# Enough aggregate-only and national-only records for the mechanism to show (lower bounds, withheld
# remainders) without drowning the charts of a demo of a few thousand records.
SHARING_WEIGHTS: tuple[tuple[str, float], ...] = (
    (codes.SharingLevel.SHARED, 0.90),
    (codes.SharingLevel.AGGREGATE_ONLY, 0.06),
    (codes.SharingLevel.NATIONAL_ONLY, 0.04),
)
# Share of shared records the owner put under embargo (ongoing investigations).
EMBARGO_SHARE = 0.03
SOURCE_WEIGHTS: tuple[tuple[str, float], ...] = (
    (codes.Source.OFFICIAL_RECORD, 0.55),
    (codes.Source.INVESTIGATION, 0.25),
    (codes.Source.INTERVIEW, 0.15),
    (codes.Source.ESTIMATE, 0.05),
)
CONFIDENCE_BY_SOURCE = {
    codes.Source.OFFICIAL_RECORD: codes.Confidence.HIGH,
    codes.Source.INVESTIGATION: codes.Confidence.HIGH,
    codes.Source.INTERVIEW: codes.Confidence.MEDIUM,
    codes.Source.ESTIMATE: codes.Confidence.LOW,
}
