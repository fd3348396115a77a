"""Personal-data screening: a table of texts that must be caught and texts that must pass."""

import pytest

from reporting.screening import highlight, screen_fields, screen_text

POSITIVE = [
    # (text, kind, the matched text)
    ("The organiser, Mr Rahman Ali, collected the fees.", "name", "Mr Rahman Ali"),
    ("Interviewed Mrs. Siti Aminah at the port.", "name", "Mrs. Siti Aminah"),
    ("Boat skippered by Capt. Nguyen.", "name", "Capt. Nguyen"),
    ("Documents were supplied by Dr Hossain in the capital.", "name", "Dr Hossain"),
    ("Contact was Ms Lee.", "name", "Ms Lee"),
    ("Guide known as Haji Karim led the group.", "name", "Haji Karim"),
    ("One migrant held passport no. N1234567 issued abroad.", "document_number", "N1234567"),
    ("Passport number: EA9876543 was altered.", "document_number", "EA9876543"),
    ("The driver's ID card 850101145678 was genuine.", "document_number", "850101145678"),
    ("NIC: 912345678V presented at the counter.", "document_number", "912345678V"),
    ("Holder of S1234567D was questioned.", "document_number", "S1234567D"),
    ("A forged page bore X7654321 in the number field.", "document_number", "X7654321"),
    ("Found a card numbered 3201234567890001 in the bag.", "document_number", "3201234567890001"),
    ("P<LKAPERERA<<NIMAL<<<<<<<<<<<<<<<<<<<<<<<<<", "mrz", "P<LKAPERERA<<NIMAL<<<<<<<<<<<<<<<<<<<<<<<<<"),
    ("Line 2 read N1234567<4LKA8501019M3001012<<<<<<<<<<<<<<02 on the scan.", "mrz", None),
    ("The broker used smuggler.boss@example.com to arrange it.", "email", "smuggler.boss@example.com"),
    ("Payments were confirmed from +62 812 3456 7890 by text.", "phone", "+62 812 3456 7890"),
    ("Call +94-77-123-4567 for the boat.", "phone", "+94-77-123-4567"),
    ("The facilitator's number was 0412 345 678.", "phone", "0412 345 678"),
    ("Office line (021) 555-1234 was used.", "phone", "(021) 555-1234"),
    ("The minor, born 12/03/2008, travelled alone.", "birth_date", "born 12/03/2008"),
    ("DOB: 1990-05-17 according to the document.", "birth_date", "DOB: 1990-05-17"),
    ("Date of birth 3 March 1985 was claimed.", "birth_date", "Date of birth 3 March 1985"),
    ("He was born on June 5, 1979 in the north.", "birth_date", "born on June 5, 1979"),
]

NEGATIVE = [
    "Detected on 12/03/2024 at 04:30 near the reef; 43 migrants and 2 crew on a 12 m fishing boat.",
    "On 2024-03-15 a truck with 17 persons was stopped at the Padang Besar crossing point.",
    "The vessel KM Sinar Jaya (IMO 9123456) was intercepted 40 nautical miles north of Christmas Island.",
    "Each migrant paid between USD 3,000 and 5,000; 12 were minors, 3 of them unaccompanied.",
    "Flight QF 42 from Denpasar; 6 passengers used fraudulently obtained visas.",
    "The captain and two crew members were arrested; the boat was 15.5 m long.",
    "Migrants departed from Cilacap, transited Kupang and were detected off Ashmore Reef.",
    "The MS Estonia route was not involved; the group left by ferry on 5 March 2024.",
    "Coordinates -10.4500, 105.6900; 120 persons rescued, 3 dead, 2 missing.",
    "Counts: 1234 detections in 2023, up 12.5% on 2022 (1097).",
    "The group of 25 was detected between crossing points on the night of 3-4 June.",
    "Doctor-level medical care was provided on arrival; the inspector filed case REF-2024-00123.",
    "Fees were paid in three instalments via hawala in Quetta and Karachi.",
    "Vehicle registration was not recorded; the container had ventilation holes.",
    "Born in a refugee camp, the adults had lived in Malaysia for years.",
    "Aged 16 and 17, the two minors had left home in March 2024.",
    "Received report at 0830 hrs; case file 2024/NT/0456 refers.",
    "",
]


@pytest.mark.parametrize(("text", "kind", "matched"), POSITIVE)
def test_personal_data_is_caught(text, kind, matched):
    hits = screen_text(text)
    assert [h.kind for h in hits] == [kind], hits
    if matched is not None:
        assert hits[0].text == matched
    assert text[hits[0].start : hits[0].end] == hits[0].text


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_narratives_pass(text):
    assert screen_text(text) == []


def test_several_kinds_in_one_text_are_all_reported_in_order():
    text = "Mr Ali (ali@example.org, +61 400 123 456) carried passport N1234567."
    assert [h.kind for h in screen_text(text)] == ["name", "email", "phone", "document_number"]


def test_screen_fields_names_only_fields_with_hits():
    found = screen_fields({"narrative": "Met Dr Chen.", "detection_place": "Kupang harbour"})
    assert list(found) == ["narrative"]


def test_highlight_escapes_and_marks_each_hit():
    text = "<b>Mr Smith</b> wrote to a@b.co"
    html = highlight(text, screen_text(text))
    assert "&lt;b&gt;" in html
    assert '<mark class="pii" title="a name after a title">Mr Smith</mark>' in html
    assert ">a@b.co</mark>" in html
