"""A partner's own item bank for the collection-tool tests: its own questions, with Khmer translations.

The questions are written for these tests (not the synthetic sample's): IDs in the partner's own
scheme (``DEF-1``, ``7a``: one that starts with a digit), modules of the curriculum, one question
with three options and one with five, one whose options are shown in random order, Khmer texts for
every question, option and competency. The workbook uses the headers an officer would type ("Item
ID", "Option A", "Text (Khmer)", "Option A (Khmer)").
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

#: (item_id, module, key, randomize, English question, English options, Khmer question, Khmer options)
QUESTIONS = [
    (
        "DEF-1",
        "definitions_law",
        "A",
        None,
        "Under the ASEAN Convention (ACTIP), which three elements make an adult's case trafficking in persons?",
        [
            "The act, the means and the purpose of exploitation",
            "Crossing a border, a false passport and a broker's fee",
            "The victim's consent, a payment and travel",
            "Arrest, detention and deportation",
        ],
        "យោងតាមអនុសញ្ញាអាស៊ាន (ACTIP) តើធាតុផ្សំទាំងបីណាខ្លះដែលធ្វើឱ្យករណីរបស់មនុស្សពេញវ័យក្លាយជាការជួញដូរមនុស្ស?",
        [
            "សកម្មភាព មធ្យោបាយ និងគោលបំណងនៃការកេងប្រវ័ញ្ច",
            "ការឆ្លងព្រំដែន លិខិតឆ្លងដែនក្លែងក្លាយ និងថ្លៃឈ្នួលមេខ្យល់",
            "ការយល់ព្រមរបស់ជនរងគ្រោះ ការទូទាត់ប្រាក់ និងការធ្វើដំណើរ",
            "ការចាប់ខ្លួន ការឃុំខ្លួន និងការនិរទេស",
        ],
    ),
    (
        "DEF-2",
        "definitions_law",
        "B",
        None,
        "For a child victim (under 18), which element does NOT need to be shown?",
        [
            "The act (for example recruitment or transport)",
            "The means (for example threat, deception or coercion)",
            "The purpose of exploitation",
        ],
        "ចំពោះជនរងគ្រោះជាកុមារ (អាយុក្រោម ១៨ ឆ្នាំ) តើធាតុផ្សំមួយណាដែលមិនចាំបាច់បង្ហាញ?",
        [
            "សកម្មភាព (ឧទាហរណ៍ ការជ្រើសរើស ឬការដឹកជញ្ជូន)",
            "មធ្យោបាយ (ឧទាហរណ៍ ការគំរាមកំហែង ការបោកប្រាស់ ឬការបង្ខិតបង្ខំ)",
            "គោលបំណងនៃការកេងប្រវ័ញ្ច",
        ],
    ),
    (
        "VI-1",
        "identification",
        "B",
        None,
        "A worker's employer keeps her passport and she owes a debt that keeps growing. What are these?",
        [
            "Normal conditions of migrant work",
            "Indicators of forced labour or trafficking",
            "Proof that she broke immigration law",
            "Reasons to send her home at once",
        ],
        "និយោជករបស់កម្មករស្រីម្នាក់រក្សាទុកលិខិតឆ្លងដែនរបស់នាង ហើយនាងជំពាក់បំណុលដែលកើនឡើងជាបន្តបន្ទាប់។ តើទាំងនេះជាអ្វី?",
        [
            "លក្ខខណ្ឌធម្មតានៃការងាររបស់ជនចំណាកស្រុក",
            "សូចនាករនៃពលកម្មដោយបង្ខំ ឬការជួញដូរមនុស្ស",
            "ភស្តុតាងថានាងបានបំពានច្បាប់អន្តោប្រវេសន៍",
            "មូលហេតុដើម្បីបញ្ជូននាងត្រឡប់ទៅផ្ទះភ្លាមៗ",
        ],
    ),
    (
        "VI-2",
        "identification",
        "C",
        "yes",
        "A person found in an online scam compound was forced to defraud others. How should they be treated first?",
        [
            "As an offender to be prosecuted for fraud",
            "As an irregular migrant to be deported",
            "As a possible victim, to be screened and offered support",
            "As a witness only, without support",
        ],
        "មនុស្សម្នាក់ដែលត្រូវបានរកឃើញនៅក្នុងទីតាំងបោកប្រាស់តាមអនឡាញ ត្រូវបានបង្ខំឱ្យបោកប្រាស់អ្នកដទៃ។ តើគួរចាត់ទុកគាត់ដូចម្តេចជាដំបូង?",
        [
            "ជាជនល្មើសដែលត្រូវកាត់ទោសពីបទឆបោក",
            "ជាជនចំណាកស្រុកខុសច្បាប់ដែលត្រូវនិរទេស",
            "ជាជនរងគ្រោះដែលអាចកើតមាន ដែលត្រូវពិនិត្យកំណត់អត្តសញ្ញាណ និងផ្តល់ការគាំទ្រ",
            "ជាសាក្សីតែប៉ុណ្ណោះ ដោយគ្មានការគាំទ្រ",
        ],
    ),
    (
        "PS-1",
        "protection_support",
        "A",
        None,
        "What should happen before a victim is asked to give evidence?",
        [
            "They are told their rights and the services available, and give consent",
            "They sign a statement written by the police",
            "They repay the costs of their rescue",
            "They are held in detention until the trial",
        ],
        "តើគួរមានអ្វីកើតឡើង មុនពេលស្នើឱ្យជនរងគ្រោះផ្តល់ភស្តុតាង?",
        [
            "ពួកគេត្រូវបានជូនដំណឹងអំពីសិទ្ធិរបស់ខ្លួន និងសេវាដែលមាន ហើយផ្តល់ការយល់ព្រម",
            "ពួកគេចុះហត្ថលេខាលើសេចក្តីថ្លែងការណ៍ដែលសរសេរដោយប៉ូលិស",
            "ពួកគេសងថ្លៃចំណាយនៃការជួយសង្គ្រោះរបស់ពួកគេ",
            "ពួកគេត្រូវបានឃុំខ្លួនរហូតដល់ការជំនុំជម្រះ",
        ],
    ),
    (
        "RR-1",
        "recovery_reintegration",
        "B",
        None,
        "Before a victim returns to their family, what should be assessed?",
        [
            "Only the cost of the journey",
            "Whether the family and community are safe and ready, and what the victim wants",
            "Whether the victim can repay the recruiter",
            "Nothing: the return should be as fast as possible",
        ],
        "មុនពេលជនរងគ្រោះត្រឡប់ទៅគ្រួសាររបស់ពួកគេវិញ តើគួរវាយតម្លៃអ្វីខ្លះ?",
        [
            "តែថ្លៃចំណាយលើការធ្វើដំណើរប៉ុណ្ណោះ",
            "ថាតើគ្រួសារ និងសហគមន៍មានសុវត្ថិភាព និងត្រៀមខ្លួនរួចរាល់ដែរឬទេ និងអ្វីដែលជនរងគ្រោះចង់បាន",
            "ថាតើជនរងគ្រោះអាចសងប្រាក់ឱ្យអ្នកជ្រើសរើសបានឬទេ",
            "គ្មានអ្វីទេ៖ ការត្រឡប់ទៅវិញគួរតែធ្វើឡើងឱ្យបានលឿនបំផុត",
        ],
    ),
    (
        "7a",
        "special_groups",
        "B",
        "no",
        "A transgender victim asks to be housed according to their gender identity. What should staff do?",
        [
            "Refuse: housing follows the sex on the passport",
            "Discuss safe options with the victim and respect their identity",
            "Place them alone in a police cell",
            "Ask the other residents to vote",
        ],
        "ជនរងគ្រោះប្តូរភេទម្នាក់ស្នើសុំឱ្យគេស្នាក់នៅតាមអត្តសញ្ញាណយេនឌ័ររបស់ខ្លួន។ តើបុគ្គលិកគួរធ្វើអ្វី?",
        [
            "បដិសេធ៖ ការស្នាក់នៅគឺផ្អែកលើភេទដែលមាននៅក្នុងលិខិតឆ្លងដែន",
            "ពិភាក្សាជម្រើសដែលមានសុវត្ថិភាពជាមួយជនរងគ្រោះ និងគោរពអត្តសញ្ញាណរបស់ពួកគេ",
            "ដាក់ពួកគេតែម្នាក់ឯងនៅក្នុងបន្ទប់ឃុំឃាំងរបស់ប៉ូលិស",
            "សុំឱ្យអ្នកស្នាក់នៅផ្សេងទៀតបោះឆ្នោត",
        ],
    ),
    (
        "VC-1",
        "victim_centred",
        "C",
        None,
        "Which practice is trauma-informed when interviewing a victim?",
        [
            "Asking the same questions many times to find contradictions",
            "Interviewing in a busy public office to save time",
            "Explaining the purpose, letting them pause, and avoiding blame",
            "Insisting on every detail at the first meeting",
            "Having the suspected trafficker in the room",
        ],
        "តើការអនុវត្តមួយណាដែលយល់ដឹងពីរបួសផ្លូវចិត្ត នៅពេលសម្ភាសជនរងគ្រោះ?",
        [
            "សួរសំណួរដដែលៗច្រើនដងដើម្បីរកភាពផ្ទុយគ្នា",
            "សម្ភាសនៅក្នុងការិយាល័យសាធារណៈដែលមានមនុស្សច្រើន ដើម្បីសន្សំពេលវេលា",
            "ពន្យល់ពីគោលបំណង អនុញ្ញាតឱ្យពួកគេសម្រាក និងជៀសវាងការស្តីបន្ទោស",
            "ទទូចសុំព័ត៌មានលម្អិតទាំងអស់នៅក្នុងការជួបលើកដំបូង",
            "ឱ្យជនសង្ស័យថាជាអ្នកជួញដូរនៅក្នុងបន្ទប់",
        ],
    ),
]

#: (competency_id, English, Khmer)
COMPETENCIES = [
    (
        "K1",
        "Recognise the signs that a person may be a victim of trafficking",
        "ស្គាល់សញ្ញាដែលបង្ហាញថាមនុស្សម្នាក់អាចជាជនរងគ្រោះនៃការជួញដូរមនុស្ស",
    ),
    ("K2", "Explain to a victim their rights and the services available", "ពន្យល់ជនរងគ្រោះអំពីសិទ្ធិរបស់ពួកគេ និងសេវាដែលមាន"),
    ("K3", "Interview a victim without causing further harm", "សម្ភាសជនរងគ្រោះដោយមិនបង្កគ្រោះថ្នាក់បន្ថែម"),
    (
        "K4",
        "Plan a safe return with a victim and their family",
        "រៀបចំផែនការត្រឡប់ទៅវិញប្រកបដោយសុវត្ថិភាពជាមួយជនរងគ្រោះ និងគ្រួសាររបស់ពួកគេ",
    ),
]

ITEM_HEADERS = (
    ["Item ID", "Module", "Text", "Correct answer", "Points", "Number of options"]
    + [f"Option {x}" for x in "ABCDE"]
    + ["Randomize", "Text (Khmer)"]
    + [f"Option {x} (Khmer)" for x in "ABCDE"]
)


def bank_rows() -> list[list]:
    """The Items sheet's rows under :data:`ITEM_HEADERS` (the number of options left empty on two rows:
    it comes from the option texts)."""
    rows = []
    for i, (qid, module, key, shuffle, text, options, text_km, options_km) in enumerate(QUESTIONS):
        pad = [None] * (5 - len(options))
        rows.append(
            [
                qid,
                module,
                text,
                key,
                1,
                None if i % 4 == 1 else len(options),
                *options,
                *pad,
                shuffle,
                text_km,
                *options_km,
                *pad,
            ]
        )
    return rows


def write_bank(path: Path, rows: list[list] | None = None, competencies: bool = True) -> Path:
    """Write the bank as an officer would: an Items sheet and a Competencies sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Items"
    ws.append(ITEM_HEADERS)
    for r in rows if rows is not None else bank_rows():
        ws.append(r)
    if competencies:
        cs = wb.create_sheet("Competencies")
        cs.append(["Competency ID", "Label", "Label (Khmer)"])
        for c in COMPETENCIES:
            cs.append(list(c))
    wb.save(path)
    return path


@pytest.fixture()
def own_bank(tmp_path) -> Path:
    return write_bank(tmp_path / "my_item_bank.xlsx")
