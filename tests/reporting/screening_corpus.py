"""A labelled corpus for the personal-data screening, generated from a fixed seed.

`personal_texts()` gives narratives that each hold one piece of personal data of the kinds officers
paste (MRZ lines TD1/TD2/TD3, passport and identity numbers in the region's formats, names after
titles and honorifics, "bin"/"binti" names, e-mail addresses, phone numbers, dates of birth), with
the kind; `clean_texts()` gives narratives without any (places, boat lengths, coordinates, fees,
detection dates and times, flight numbers, case references, crossing points). Both end with
hand-written tricky cases. The numbers are made up: check digits are computed, people are not real.
"""

from __future__ import annotations

import random
import string

SEED = 20261207

SURNAMES = [
    "PERERA", "FERNANDO", "SILVA", "BANDARA", "RAJAPAKSE", "SETIAWAN", "WIJAYA", "SANTOSO", "HARTONO",
    "NGUYEN", "TRAN", "PHAM", "SOMCHAI", "SUKSAWAT", "RAHMAN", "HOSSAIN", "AHMED", "KHAN", "SANTOS",
    "REYES", "CRUZ", "TAN", "LIM", "ISMAIL", "ABDULLAH", "KUMAR", "SINGH", "HAIDARI", "MOHAMMADI",
]  # fmt: skip
GIVEN = [
    "KAMAL", "NIMAL", "SUNIL", "BUDI", "AGUS", "SITI", "DEWI", "MINH", "LAN", "HUNG", "SOMSAK", "MALEE",
    "RAHIM", "KARIM", "FATEMA", "JUAN", "MARIA", "JOSE", "WEI", "AHMAD", "NUR", "RAVI", "ALI", "ZAHRA",
]  # fmt: skip
COUNTRIES = ["LKA", "IDN", "MYS", "THA", "PHL", "VNM", "BGD", "AFG", "IRN", "MMR", "PAK", "CHN"]
TITLES = [
    "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "M.", "Mme", "Mlle", "Bapak", "Pak", "Ibu", "Bu",
    "Khun", "Encik", "Puan", "Tuan", "Haji", "Capt.", "Insp.", "Datuk", "Sdr.", "Md.", "Nai", "Madame",
    "Monsieur", "Miss", "Sheikh",
]  # fmt: skip
LEADS = [
    "Interview notes say {x} organised the crossing.",
    "The group was met at the jetty by {x}, who collected the fees.",
    "According to the migrants, {x} arranged the boat.",
    "{x} was identified as the recruiter in the village.",
    "Payment went to {x} before departure.",
    "The skipper said he worked for {x}.",
    "Officers questioned {x} at the crossing point.",
    "One passenger, {x}, held a fraudulently obtained visa.",
]


def _check_digit(field: str) -> str:
    values = {c: i for i, c in enumerate(string.digits + string.ascii_uppercase, start=0)} | {"<": 0}
    total = sum(values[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field))
    return str(total % 10)


def _pad(text: str, width: int) -> str:
    return (text + "<" * width)[:width]


def _name_field(rng: random.Random, width: int) -> str:
    given = "<".join(rng.sample(GIVEN, rng.choice([1, 1, 2])))
    return _pad(f"{rng.choice(SURNAMES)}<<{given}", width)


def _yymmdd(rng: random.Random, years: range) -> str:
    return f"{rng.choice(years) % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _doc_number(rng: random.Random, width: int = 9) -> str:
    letters = "".join(rng.choices(string.ascii_uppercase, k=rng.choice([1, 2])))
    return _pad(letters + "".join(rng.choices(string.digits, k=rng.choice([6, 7]))), width)


def mrz_td3(rng: random.Random) -> list[str]:
    country = rng.choice(COUNTRIES)
    line1 = f"P<{country}{_name_field(rng, 39)}"
    number, birth, expiry = _doc_number(rng), _yymmdd(rng, range(1960, 2008)), _yymmdd(rng, range(2025, 2036))
    personal = rng.choice(["<" * 14, "".join(rng.choices(string.digits, k=14)), _pad(str(rng.randint(1, 10**9)), 14)])
    body = (
        f"{number}{_check_digit(number)}{country}{birth}{_check_digit(birth)}{rng.choice('MF<')}"
        f"{expiry}{_check_digit(expiry)}{personal}{_check_digit(personal)}"
    )
    line2 = body + _check_digit(body[:10] + body[13:20] + body[21:43])
    return [line1, line2]


def mrz_td2(rng: random.Random) -> list[str]:
    country = rng.choice(COUNTRIES)
    line1 = f"{rng.choice(['I<', 'ID', 'IP', 'V<'])}{country}{_name_field(rng, 31)}"
    number, birth, expiry = _doc_number(rng), _yymmdd(rng, range(1960, 2008)), _yymmdd(rng, range(2025, 2036))
    body = (
        f"{number}{_check_digit(number)}{country}{birth}{_check_digit(birth)}{rng.choice('MF')}"
        f"{expiry}{_check_digit(expiry)}{_pad('', 7)}"
    )
    return [line1, body + _check_digit(body)]


def mrz_td1(rng: random.Random) -> list[str]:
    country = rng.choice(COUNTRIES)
    number = _doc_number(rng)
    optional = _pad("".join(rng.choices(string.digits, k=rng.choice([0, 6, 12]))), 15)
    line1 = f"{rng.choice(['I<', 'ID', 'AC'])}{country}{number}{_check_digit(number)}{optional}"
    birth, expiry = _yymmdd(rng, range(1960, 2008)), _yymmdd(rng, range(2025, 2036))
    line2 = f"{birth}{_check_digit(birth)}{rng.choice('MF')}{expiry}{_check_digit(expiry)}{country}{'<' * 11}"
    line2 += _check_digit(line2)
    return [line1, line2, _name_field(rng, 30)]


def _digits(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choices(string.digits, k=n - 1))


def document_numbers(rng: random.Random) -> list[tuple[str, str]]:
    """(how it is written, a context word or "") for every format, several times each."""
    out = []
    for _ in range(3):
        nik = f"{rng.randint(11, 94)}{rng.randint(1, 79):02d}{rng.randint(1, 40):02d}{rng.randint(1, 71):02d}"
        nik += f"{rng.randint(1, 12):02d}{rng.randint(50, 99):02d}{rng.randint(1, 9999):04d}"
        out += [(nik, "NIK"), (nik, ""), (" ".join(nik[i : i + 4] for i in range(0, 16, 4)), "NIK"), (nik, "KTP")]
        mykad = f"{_yymmdd(rng, range(1960, 2008))}-{rng.choice(['01', '10', '14', '08', '12'])}-{_digits(rng, 4)}"
        out += [(mykad, "MyKad"), (mykad, ""), (mykad.replace("-", ""), "IC"), (mykad, "I/C")]
        thai = _digits(rng, 13, "1358")
        out += [(thai, ""), (thai, "ID card"), (f"{thai[0]} {thai[1:5]} {thai[5:10]} {thai[10:12]} {thai[12]}", "")]
        out += [(f"{thai[0]}-{thai[1:5]}-{thai[5:10]}-{thai[10:12]}-{thai[12]}", "")]
        old_nic = _digits(rng, 9, "456789") + rng.choice("VX")
        new_nic = f"{rng.randint(1960, 2005)}{rng.randint(1, 366):03d}{_digits(rng, 5, '0123456789')}"
        out += [(old_nic, "NIC"), (old_nic, ""), (new_nic, "NIC"), (new_nic, "")]
        psn = _digits(rng, 16, "123456789")
        out += [(f"{psn[:4]}-{psn[4:8]}-{psn[8:12]}-{psn[12:]}", "PhilSys"), (psn[:12], "PSN")]
        out += [(f"{psn[:4]}-{psn[4:8]}-{psn[8:12]}", ""), (f"{psn[:2]}-{psn[2:9]}-{psn[9]}", "SSS")]
        out += [(f"{psn[:3]}-{psn[3:6]}-{psn[6:9]}-000", "TIN"), (f"{psn[:4]}-{psn[4:11]}-{psn[11]}", "UMID")]
        out += [(f"P{_digits(rng, 7, '0123456789')}{rng.choice('ABC')}", "passport")]
        cccd = "0" + _digits(rng, 11, "0123456789")
        out += [(cccd, "CCCD"), (cccd, ""), ("0" + _digits(rng, 8, "0123456789"), "CMND")]
        for n in (10, 13, 17):
            out += [(_digits(rng, n), "NID"), (_digits(rng, n), "")]
        for letters, digits in [(1, 7), (1, 8), (2, 7), (1, 6)]:
            number = "".join(rng.choices("ABCENPSX", k=letters)) + _digits(rng, digits, "0123456789")
            out += [(number, rng.choice(["passport", "passport no.", "Passport number:", ""]))]
    return out


DOCUMENT_LEADS = [
    "The {w} {n} was found in the bag.",
    "Officers copied {w} {n} from the card.",
    "He presented {w} {n} at the counter.",
    "A photocopy showed {w} {n}, later found to be forged.",
    "The smuggler kept {w} {n} as security for the debt.",
]
BARE_LEADS = [
    "A card numbered {n} was found in the bag.",
    "The document bore {n} in the number field.",
    "Officers noted {n} on the seized card.",
    "{n} appears on the altered page.",
]


def _person(rng: random.Random) -> str:
    given, surname = rng.choice(GIVEN).title(), rng.choice(SURNAMES).title()
    return rng.choice([f"{given} {surname}", surname, f"{given}", f"{given[0]}. {surname}"])


def phones(rng: random.Random) -> list[str]:
    out = []
    for _ in range(4):
        d = lambda n: _digits(rng, n, "0123456789")  # noqa: E731
        out += [
            f"+62 8{d(2)} {d(4)} {d(4)}", f"+62-8{d(2)}-{d(4)}-{d(4)}", f"+628{d(10)}", f"(+62) 8{d(2)} {d(4)} {d(3)}",
            f"0812-{d(4)}-{d(4)}", f"0813{d(8)}", f"+60 1{d(1)}-{d(3)} {d(4)}", f"01{d(1)}-{d(3)} {d(4)}",
            f"+66 8{d(1)} {d(3)} {d(4)}", f"08{d(1)}-{d(3)}-{d(4)}", f"+94 7{d(1)} {d(3)} {d(4)}",
            f"07{d(1)} {d(3)} {d(4)}",
            f"+63 917 {d(3)} {d(4)}", f"0917 {d(3)} {d(4)}", f"+84 9{d(2)} {d(3)} {d(3)}", f"09{d(2)} {d(3)} {d(3)}",
            f"+880 17{d(2)}-{d(6)}", f"017{d(2)}-{d(6)}", f"0062 812 {d(4)} {d(4)}", f"+61 4{d(2)} {d(3)} {d(3)}",
        ]  # fmt: skip
        out += [f"WA {d(4)} {d(4)}", f"tel. {d(3)} {d(4)}", f"HP: {d(8)}", f"Mobile {d(4)}-{d(4)}"]
    return out


PHONE_LEADS = [
    "The broker could be reached on {p}.",
    "Migrants were told to call {p} on arrival.",
    "Payments were confirmed by text from {p}.",
    "A phone found on the boat had {p} saved as 'boss'.",
]


def emails(rng: random.Random) -> list[str]:
    out = []
    for _ in range(20):
        user = f"{rng.choice(GIVEN).lower()}{rng.choice(['.', '_', ''])}"
        user += f"{rng.choice(SURNAMES).lower()}{rng.randint(1, 99)}"
        domain = rng.choice(["gmail.com", "yahoo.co.id", "hotmail.com", "mail.lk", "outlook.com", "ymail.com"])
        out += [f"{user}@{domain}", f"{user.upper()}@{domain.upper()}"]
    out += ["kamal.perera [at] gmail [dot] com", "budi(at)yahoo.co.id", "agent.77 [at] mail.lk"]
    return out


def birth_dates(rng: random.Random) -> list[str]:
    out = []
    months_en = ["January", "March", "June", "September", "December", "Mar", "Jun", "Oct"]
    for _ in range(5):
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1960, 2010)
        out += [
            f"born {day:02d}/{month:02d}/{year}", f"DOB: {year}-{month:02d}-{day:02d}", f"D.O.B. {day}.{month}.{year}",
            f"date of birth {day} {rng.choice(months_en)} {year}", f"born on {rng.choice(months_en)} {day}, {year}",
            f"né le {day:02d}/{month:02d}/{year}", f"née le {day} mars {year}", f"lahir {day:02d}-{month:02d}-{year}",
            f"tgl lahir {day} Maret {year}", f"TTL: Jakarta, {day:02d}-{month:02d}-{year}", f"born in {year}",
            f"born on the {day}th of June {year}", f"Date of Birth: {day:02d}/{month:02d}/{year % 100:02d}",
            f"tarikh lahir {day:02d}.{month:02d}.{year}", f"YOB {year}", f"born in Cox's Bazar on {day} May {year}",
        ]  # fmt: skip
    return out


BIRTH_LEADS = [
    "The minor, {b}, travelled alone.",
    "The recruiter ({b}) was arrested at the port.",
    "Records show the passenger was {b}.",
]


def personal_texts() -> list[tuple[str, str]]:
    """(text, kind) pairs: each text holds at least the kind named."""
    rng = random.Random(SEED)
    out: list[tuple[str, str]] = []
    for make in (mrz_td3, mrz_td2, mrz_td1):
        for _ in range(25):
            lines = make(rng)
            out.append(("\n".join(lines), "mrz"))
            out.append((f"The scan of the seized document read {rng.choice(lines)} on one line.", "mrz"))
    for _ in range(15):
        line = mrz_td3(rng)[0]
        out.append((f"Photo of the data page: {line[: rng.randint(18, 30)]}…", "mrz"))
    for number, word in document_numbers(rng):
        lead = rng.choice(DOCUMENT_LEADS if word else BARE_LEADS)
        out.append((lead.format(w=word, n=number), "document_number"))
    for _ in range(90):
        title = rng.choice(TITLES)
        person = _person(rng)
        if rng.random() < 0.15:
            person = person.upper()
        out.append((rng.choice(LEADS).format(x=f"{title} {person}"), "name"))
    for _ in range(25):
        given, father = rng.choice(GIVEN).title(), rng.choice(GIVEN).title()
        link = rng.choice(["bin", "binti", "bin", "binti", "a/l", "BIN"])
        out.append((rng.choice(LEADS).format(x=f"{given} {link} {father}"), "name"))
    for phone in phones(rng):
        out.append((rng.choice(PHONE_LEADS).format(p=phone), "phone"))
    for email in emails(rng):
        out.append((f"The broker used {email} to send the schedule.", "email"))
    for birth in birth_dates(rng):
        out.append((rng.choice(BIRTH_LEADS).format(b=birth), "birth_date"))
    return out + TRICKY_PERSONAL


TRICKY_PERSONAL = [
    ("P<LKAPERERA<<KAMAL<<<", "mrz"),
    ("P<LKAPERERA<<KAMAL<<<<<<<<<<<<<<<<<<<<<<<<<<", "mrz"),
    ("N1234567<4LKA8501019M3001012<<<<<<<<<<<<<<02", "mrz"),
    ("Mr. K. Perera met them at Negombo.", "name"),
    ("MR PERERA paid the captain.", "name"),
    ("Dr. A.K.M. Rahman supplied the visas.", "name"),
    ("Khun Somchai drove the van to the river.", "name"),
    ("Ông Nguyễn Văn Minh owned the boat.", "name"),
    ("Bà Trần Thị Lan kept the safe house.", "name"),
    ("Encik Ahmad bin Ismail was the agent.", "name"),
    ("Mme Dubois et M. Martin ont été entendus.", "name"),
    ("Siti binti Abdullah collected the money.", "name"),
    ("passport no. N1234567 issued abroad", "document_number"),
    ("KTP 3201 2345 6789 0001 was a fake.", "document_number"),
    ("Her ID: 850101-14-5678.", "document_number"),
    ("Contact: kamal.perera@gmail.com", "email"),
    ("Call +94-77-123-4567 for the boat.", "phone"),
    ("Office line (021) 555-1234 was used.", "phone"),
    ("He was born on 5 June 1979 in the north.", "birth_date"),
    ("Date de naissance : 12/03/1985.", "birth_date"),
    # Known misses, kept so the figures are not perfect by construction (docs/security.md):
    ("Call him on 2345 6789 after dark.", "phone"),  # a number with no 0, + or phone word
    ("His old CMND, 012345678, had expired.", "document_number"),  # nine bare digits, word apart
    ("Write to nguyen.van.a at gmail.", "email"),  # an address spelled out in words
]


PLACES = [
    "Kupang", "Cilacap", "Pelabuhan Ratu", "Ashmore Reef", "Christmas Island", "Negombo", "Trincomalee",
    "Batticaloa", "Padang Besar", "Bukit Kayu Hitam", "Mae Sot", "Sadao", "Tawau", "Sandakan", "Zamboanga",
    "General Santos", "Cox's Bazar", "Teknaf", "Benapole", "Moc Bai", "Lao Cai", "Dili", "Batam", "Johor Bahru",
    "Port Klang", "Ranong", "Satun", "Kuala Lumpur International Airport", "Suvarnabhumi", "Ngurah Rai",
    "Soekarno-Hatta", "Bandaranaike International Airport", "Ibu Kota Nusantara", "Sri Lanka", "Langkawi",
]  # fmt: skip
CROSSINGS = ["Padang Besar", "Bukit Kayu Hitam", "Sadao", "Mae Sot", "Benapole", "Moc Bai", "Entikong", "Motaain"]
VESSELS = ["KM Sinar Jaya", "KM Bahari", "MV Ocean Star", "FV Lucky 7", "MS Estonia", "KM Harapan Baru"]
FLIGHTS = ["QF 42", "GA 7001", "MH370", "UL 306", "TG 415", "PR 501", "VN 611", "BG 084", "SQ 938", "AK 6324"]
CURRENCIES = ["USD", "IDR", "MYR", "THB", "LKR", "PHP", "VND", "BDT", "AUD"]


def clean_texts() -> list[str]:
    rng = random.Random(SEED + 1)

    def date() -> str:
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2019, 2026)
        return rng.choice(
            [
                f"{day:02d}/{month:02d}/{year}", f"{year}-{month:02d}-{day:02d}", f"{day} March {year}",
                f"{day}.{month:02d}.{year}", f"June {day}, {year}", f"the night of {day}-{day + 1} May",
            ]
        )  # fmt: skip

    def time() -> str:
        return rng.choice([f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}", f"{rng.randint(0, 23):02d}30 hrs"])

    def clause() -> str:
        place, other = rng.sample(PLACES, 2)
        n = rng.randint(2, 180)
        fee = rng.choice(
            [
                f"{rng.randint(1, 15)},{rng.randint(0, 9)}00",
                f"{rng.randint(100, 9000)}",
                f"{rng.randint(1, 95)}.000.000",
            ]
        )
        reference = rng.choice(
            [
                f"{rng.choice(['AUS', 'IDN', 'LKA', 'MYS', 'THA'])}-{rng.randint(2019, 2026)}{rng.randint(1, 12):02d}-"
                f"{rng.randint(1, 999999):06d}",
                f"REF-{rng.randint(2019, 2026)}-{rng.randint(1, 99999):05d}",
                f"{rng.randint(2019, 2026)}/NT/{rng.randint(1, 9999):04d}",
                f"BPC-{rng.randint(2019, 2026)}-{rng.randint(1, 9999):04d}",
            ]
        )
        lat, lon = rng.uniform(-12, 20), rng.uniform(90, 130)
        return rng.choice(
            [
                f"Detected on {date()} at {time()} near {place}; {n} migrants on a {rng.randint(8, 30)} m "
                "fishing boat.",
                f"A {rng.randint(8, 30)}.{rng.randint(0, 9)} m wooden boat was intercepted at {lat:.4f}, {lon:.4f}.",
                f"Each migrant paid {rng.choice(CURRENCIES)} {fee} for the journey from {place} to {other}.",
                f"Fees of {rng.choice(CURRENCIES)} {fee} per person were paid via hawala in {place}.",
                f"On {date()} a truck with {n} persons was stopped at the {rng.choice(CROSSINGS)} crossing point.",
                f"Flight {rng.choice(FLIGHTS)} from {place}; {rng.randint(1, 12)} passengers used fraudulent visas.",
                f"The vessel {rng.choice(VESSELS)} (IMO {rng.randint(9000000, 9999999)}) was escorted to {place}.",
                f"Case {reference} refers; {n} persons were rescued, {rng.randint(0, 5)} dead and "
                f"{rng.randint(0, 5)} missing.",
                f"Migrants departed from {place}, transited {other} and were detected {rng.randint(5, 90)} nautical "
                f"miles north of {rng.choice(PLACES)}.",
                f"Container MSCU{rng.randint(1000000, 9999999)} held {n} persons in a ventilated compartment.",
                f"{n} detections in {rng.randint(2019, 2025)}, up {rng.randint(1, 40)}.{rng.randint(0, 9)}% on the "
                f"year before ({rng.randint(100, 3000)}).",
                f"The captain and {rng.randint(1, 6)} crew members were arrested at {place} on {date()}.",
                f"Received report at {time()} on {date()}; case file {reference} opened.",
                f"The group of {n} crossed between crossing points near {rng.choice(CROSSINGS)} on {date()}.",
                f"{rng.randint(2, 40)} fraudulently obtained genuine passports issued by {rng.choice(PLACES)} were "
                f"seized.",
                f"Bus route {rng.randint(1, 999)} to {place}; the van's registration was not recorded.",
                f"Drifted NE on {date()} for {rng.randint(2, 9)} days before reaching {place}.",
                f"Aged {rng.randint(14, 17)} and {rng.randint(14, 17)}, the minors had left home in March "
                f"{rng.randint(2019, 2026)}.",
            ]
        )

    out = [" ".join(clause() for _ in range(rng.randint(1, 3))) for _ in range(480)]
    return out + TRICKY_CLEAN


TRICKY_CLEAN = [
    "The MS Estonia route was not involved; the group left by ferry on 5 March 2024.",
    "Born in a refugee camp, the adults had lived in Malaysia for years.",
    "Migrants from DR Congo and Sri Lanka were detected at General Santos.",
    "The boat was bound for Ibu Kota Nusantara via Tawau.",
    "Doctor-level medical care was provided on arrival; the inspector filed case REF-2024-00123.",
    "Received report at 0830 hrs; case file 2024/NT/0456 refers.",
    "Case AUS-202612-000004 and case IDN-202611-000193 concern the same boat.",
    "Each migrant paid IDR 15.000.000 (about USD 950); VND 45000000 was found aboard.",
    "Coordinates -10.4500, 105.6900; 120 persons rescued, 3 dead, 2 missing.",
    "Detected between 0800-1200 hrs on 12/03/2024 in Sector 7.",
    "The two vans drove NE on 12/03/2024 towards the Padang Besar crossing point.",
    "The interview was held in Bahasa; the interpreter's report is in the file.",
    "Flight MH 370 was not involved; flights GA 7001 and QF 42 were checked.",
    "A 12 m boat (hull no. KM-4417) carried 43 migrants; fuel for 3 days.",
    "Counts: 1234 detections in 2023, up 12.5% on 2022 (1097).",
    "The Padang Besar crossing point and the Sadao checkpoint on the Asian Highway were both closed.",
    "Phone records were not obtained; 12 SIM cards, 3 passports and 2 ID cards were seized.",
    "MMSI 525012345 was switched off; hull number 12345678 painted over.",
    "Mr and Mrs were not recorded; passengers are listed by number only.",
    # Known false alarms, kept so the figures are not perfect by construction (docs/security.md):
    "Jalan Dr Sutomo in Kupang was the pick-up point.",  # a street named after a person
    "The Major Highway checkpoint was closed.",  # a title word in a place name
    "A total of 1234567890 rupiah was seized.",  # an amount written after its number, no separators
    "",
]
