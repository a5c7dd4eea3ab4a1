"""Controlled vocabularies of tip_eval and their labels in English, Khmer, Thai, Indonesian, Burmese and Lao.

Each vocabulary maps a canonical code (what the canonical tables hold) to labels in ``en``, ``km``,
``th`` and ``id`` (the languages tip_eval writes in) and, for countries, sectors, genders, phases and
agreement levels, in ``my`` (Burmese) and ``lo`` (Lao), which partners' files may use.
:func:`lookup` turns any known label (in any of these languages, in any case, with known spelling
variants) into its code; :func:`closest` lists the nearest known labels for a problem message. The
label index is built once, on first use. Burmese labels are Unicode Burmese: text typed with a
Zawgyi font (a legacy encoding still common in Myanmar) does not match them and is reported as an
unknown label.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import cache, lru_cache

from tip_eval.i18n import N_

LANGUAGES: tuple[str, ...] = ("en", "km", "th", "id")
#: The languages whose labels are read in data: those tip_eval writes, and Burmese and Lao.
INGESTION_LANGUAGES: tuple[str, ...] = (*LANGUAGES, "my", "lo")

#: ISO 3166-1 alpha-3 codes of the ASEAN member states and Timor-Leste.
COUNTRIES: dict[str, dict[str, str]] = {
    "KHM": {"en": "Cambodia", "km": "កម្ពុជា", "th": "กัมพูชา", "id": "Kamboja"},
    "IDN": {"en": "Indonesia", "km": "ឥណ្ឌូណេស៊ី", "th": "อินโดนีเซีย", "id": "Indonesia"},
    "THA": {"en": "Thailand", "km": "ថៃ", "th": "ไทย", "id": "Thailand"},
    "LAO": {"en": "Lao PDR", "km": "ឡាវ", "th": "ลาว", "id": "Laos"},
    "MMR": {"en": "Myanmar", "km": "មីយ៉ាន់ម៉ា", "th": "เมียนมา", "id": "Myanmar"},
    "VNM": {"en": "Viet Nam", "km": "វៀតណាម", "th": "เวียดนาม", "id": "Vietnam"},
    "MYS": {"en": "Malaysia", "km": "ម៉ាឡេស៊ី", "th": "มาเลเซีย", "id": "Malaysia"},
    "PHL": {"en": "Philippines", "km": "ហ្វីលីពីន", "th": "ฟิลิปปินส์", "id": "Filipina"},
    "SGP": {"en": "Singapore", "km": "សិង្ហបុរី", "th": "สิงคโปร์", "id": "Singapura"},
    "BRN": {"en": "Brunei Darussalam", "km": "ប្រ៊ុយណេ", "th": "บรูไน", "id": "Brunei"},
    "TLS": {"en": "Timor-Leste", "km": "ទីម័រខាងកើត", "th": "ติมอร์-เลสเต", "id": "Timor Leste"},
}
COUNTRY_VARIANTS: dict[str, tuple[str, ...]] = {
    "KHM": ("KH", "Kingdom of Cambodia", "Kampuchea"),
    "IDN": ("ID", "Republic of Indonesia"),
    "THA": ("TH", "Kingdom of Thailand", "ประเทศไทย", "Thai"),
    "LAO": ("LA", "Laos", "Lao"),
    "MMR": ("MM", "Burma"),
    "VNM": ("VN", "Vietnam"),
    "MYS": ("MY",),
    "PHL": ("PH",),
    "SGP": ("SG",),
    "BRN": ("BN", "Brunei"),
    "TLS": ("TL", "East Timor"),
}

#: Sectors of the practitioners trained.
SECTORS: dict[str, dict[str, str]] = {
    "government_social_services": {
        "en": "Government social services",
        "km": "សេវាសង្គមរដ្ឋាភិបាល",
        "th": "หน่วยงานสวัสดิการสังคมภาครัฐ",
        "id": "Layanan sosial pemerintah",
    },
    "law_enforcement": {
        "en": "Law enforcement",
        "km": "អនុវត្តច្បាប់",
        "th": "เจ้าหน้าที่บังคับใช้กฎหมาย",
        "id": "Penegak hukum",
    },
    "ngo": {
        "en": "NGO",
        "km": "អង្គការមិនមែនរដ្ឋាភិបាល",
        "th": "องค์กรพัฒนาเอกชน",
        "id": "LSM",
    },
    "health": {"en": "Health services", "km": "សេវាសុខាភិបាល", "th": "บริการสุขภาพ", "id": "Layanan kesehatan"},
    "labour": {"en": "Labour inspection", "km": "អធិការកិច្ចការងារ", "th": "ตรวจแรงงาน", "id": "Pengawas ketenagakerjaan"},
    "immigration": {"en": "Immigration", "km": "អន្តោប្រវេសន៍", "th": "ตรวจคนเข้าเมือง", "id": "Imigrasi"},
    "justice": {
        "en": "Prosecution and courts",
        "km": "អយ្យការ និងតុលាការ",
        "th": "อัยการและศาล",
        "id": "Kejaksaan dan pengadilan",
    },
    "other": {"en": "Other", "km": "ផ្សេងៗ", "th": "อื่น ๆ", "id": "Lainnya"},
}
SECTOR_VARIANTS: dict[str, tuple[str, ...]] = {
    "government_social_services": (
        "social services",
        "social welfare",
        "government",
        "MoSVY",
        "Dinas Sosial",
        "DSDW",
        "พมจ",
    ),
    "law_enforcement": ("police", "polisi", "ตำรวจ", "នគរបាល", "law enforcement officer"),
    "ngo": (
        "non-governmental organisation",
        "non-governmental organization",
        "civil society",
        "Organisasi non-pemerintah",
        "เอ็นจีโอ",
        "អង្គការ",
    ),
    "other": ("others",),
}

#: Gender, with options beyond two and the right not to say.
GENDERS: dict[str, dict[str, str]] = {
    "woman": {"en": "Woman", "km": "ស្ត្រី", "th": "หญิง", "id": "Perempuan"},
    "man": {"en": "Man", "km": "បុរស", "th": "ชาย", "id": "Laki-laki"},
    "transgender_woman": {
        "en": "Transgender woman",
        "km": "ស្ត្រីប្តូរភេទ",
        "th": "หญิงข้ามเพศ",
        "id": "Perempuan transgender",
    },
    "transgender_man": {"en": "Transgender man", "km": "បុរសប្តូរភេទ", "th": "ชายข้ามเพศ", "id": "Laki-laki transgender"},
    "non_binary": {"en": "Non-binary", "km": "មិនកំណត់ភេទ", "th": "นอนไบนารี", "id": "Non-biner"},
    "other": {"en": "Another identity", "km": "អត្តសញ្ញាណផ្សេង", "th": "อัตลักษณ์อื่น", "id": "Identitas lain"},
    "prefer_not_to_say": {
        "en": "Prefer not to say",
        "km": "មិនចង់ប្រាប់",
        "th": "ไม่ประสงค์จะระบุ",
        "id": "Memilih tidak menjawab",
    },
}
GENDER_VARIANTS: dict[str, tuple[str, ...]] = {
    "woman": ("female", "f", "w", "wanita", "ស្រី", "เพศหญิง"),
    "man": ("male", "m", "pria", "ប្រុស", "เพศชาย"),
    "transgender_woman": ("trans woman",),
    "transgender_man": ("trans man",),
    "non_binary": ("nonbinary", "non binary"),
    "prefer_not_to_say": ("prefer not to answer", "not stated", "declined"),
}

#: Test phases: before the training, at its end, and a delayed post-test (a retention test taken
#: weeks or months later, often at the time of the follow-up interviews).
PHASES: dict[str, dict[str, str]] = {
    "pre": {"en": "Pre-test", "km": "តេស្តមុន", "th": "ก่อนการอบรม", "id": "Pra-tes"},
    "post": {"en": "Post-test", "km": "តេស្តក្រោយ", "th": "หลังการอบรม", "id": "Pasca-tes"},
    "delayed": {"en": "Delayed post-test", "km": "តេស្តតាមដាន", "th": "แบบทดสอบติดตามผล", "id": "Tes retensi"},
}
PHASE_VARIANTS: dict[str, tuple[str, ...]] = {
    "pre": ("pre", "before", "baseline", "pretest", "sebelum", "pre test", "ก่อน", "មុន"),
    "post": ("post", "after", "endline", "posttest", "sesudah", "setelah", "post test", "หลัง", "ក្រោយ"),
    "delayed": (
        "delayed",
        "delayed test",
        "delayed posttest",
        "delayed post test",
        "retention",
        "retention test",
        "retest",
        "re-test",
        "follow-up test",
        "followup test",
        "follow up test",
        "3-month test",
        "three-month test",
        "6-month test",
        "six-month test",
        "delayedtest",
        "delayedposttest",
        "retentiontest",
        "followuptest",
        # "follow-up" alone is not here: it names the follow-up interviews as often as a test (see
        # tip_eval.io.phases.followup_word); a study that means the test says so in study.toml phases
        # Khmer: follow-up test, test again
        "តេស្តម្តងទៀត",
        "តេស្តតាមដានលទ្ធផល",
        # Thai: follow-up test, retest, retention test, test after 3 months
        "แบบทดสอบติดตามผล",
        "ทดสอบติดตามผล",
        "ทดสอบซ้ำ",
        "แบบทดสอบซ้ำ",
        "ทดสอบความคงทน",
        "แบบทดสอบวัดความคงทน",
        "ทดสอบหลังการอบรม 3 เดือน",
        # Indonesian: delayed test, delayed post-test, follow-up test, retention
        "tes tunda",
        "tes tertunda",
        "pasca-tes tertunda",
        "tes lanjutan",
        "tes tindak lanjut",
        "retensi",
    ),
}

#: Likert agreement labels, 1 (strongly disagree) to 5 (strongly agree).
LIKERT: dict[int, dict[str, str]] = {
    1: {"en": "Strongly disagree", "km": "មិនយល់ស្របខ្លាំង", "th": "ไม่เห็นด้วยอย่างยิ่ง", "id": "Sangat tidak setuju"},
    2: {"en": "Disagree", "km": "មិនយល់ស្រប", "th": "ไม่เห็นด้วย", "id": "Tidak setuju"},
    3: {"en": "Neutral", "km": "អព្យាក្រឹត", "th": "เฉย ๆ", "id": "Netral"},
    4: {"en": "Agree", "km": "យល់ស្រប", "th": "เห็นด้วย", "id": "Setuju"},
    5: {"en": "Strongly agree", "km": "យល់ស្របខ្លាំង", "th": "เห็นด้วยอย่างยิ่ง", "id": "Sangat setuju"},
}
LIKERT_VARIANTS: dict[int, tuple[str, ...]] = {
    3: ("neither agree nor disagree", "ไม่แน่ใจ", "ragu-ragu", "ไม่แน่ใจ/เฉยๆ"),
}

#: The confidence scale the project's collection tools ask on (the XLSForm and the template), 1 to 5.
#: Khmer, Thai and Indonesian are drafts for review by the partners' staff. Written with the number
#: first ("4 - Very confident"), a label reads as its rating (tip_eval.io.coerce).
CONFIDENCE_SCALE: dict[int, dict[str, str]] = {
    1: {"en": "Not at all confident", "km": "មិនមានទំនុកចិត្តសោះ", "th": "ไม่มั่นใจเลย", "id": "Sama sekali tidak yakin"},
    2: {"en": "Slightly confident", "km": "មានទំនុកចិត្តបន្តិចបន្តួច", "th": "มั่นใจเล็กน้อย", "id": "Sedikit yakin"},
    3: {"en": "Moderately confident", "km": "មានទំនុកចិត្តល្មម", "th": "มั่นใจปานกลาง", "id": "Cukup yakin"},
    4: {"en": "Very confident", "km": "មានទំនុកចិត្តខ្លាំង", "th": "มั่นใจมาก", "id": "Sangat yakin"},
    5: {"en": "Completely confident", "km": "មានទំនុកចិត្តពេញលេញ", "th": "มั่นใจอย่างยิ่ง", "id": "Sepenuhnya yakin"},
}

# Burmese (my) and Lao (lo) labels, read in partners' files (tip_eval does not write in these languages).
# Drafts for review by Burmese and Lao speakers, like the Khmer, Thai and Indonesian labels.
_INGESTION_LABELS: dict[str, dict[object, dict[str, str]]] = {
    "country": {
        "KHM": {"my": "ကမ္ဘောဒီးယား", "lo": "ກຳປູເຈຍ"},
        "IDN": {"my": "အင်ဒိုနီးရှား", "lo": "ອິນໂດເນເຊຍ"},
        "THA": {"my": "ထိုင်း", "lo": "ໄທ"},
        "LAO": {"my": "လာအို", "lo": "ລາວ"},
        "MMR": {"my": "မြန်မာ", "lo": "ມຽນມາ"},
        "VNM": {"my": "ဗီယက်နမ်", "lo": "ຫວຽດນາມ"},
        "MYS": {"my": "မလေးရှား", "lo": "ມາເລເຊຍ"},
        "PHL": {"my": "ဖိလစ်ပိုင်", "lo": "ຟີລິບປິນ"},
        "SGP": {"my": "စင်္ကာပူ", "lo": "ສິງກະໂປ"},
        "BRN": {"my": "ဘရူနိုင်း", "lo": "ບຣູໄນ"},
        "TLS": {"my": "အရှေ့တီမော", "lo": "ຕີມໍ-ເລສເຕ"},
    },
    "sector": {
        "government_social_services": {"my": "အစိုးရ လူမှုဝန်ထမ်း", "lo": "ບໍລິການສັງຄົມຂອງລັດ"},
        "law_enforcement": {"my": "ဥပဒေစိုးမိုးရေး", "lo": "ການບັງຄັບໃຊ້ກົດໝາຍ"},
        "ngo": {"my": "အစိုးရမဟုတ်သော အဖွဲ့အစည်း", "lo": "ອົງການຈັດຕັ້ງທີ່ບໍ່ແມ່ນລັດ"},
        "health": {"my": "ကျန်းမာရေး ဝန်ဆောင်မှု", "lo": "ບໍລິການສາທາລະນະສຸກ"},
        "labour": {"my": "အလုပ်သမား စစ်ဆေးရေး", "lo": "ການກວດກາແຮງງານ"},
        "immigration": {"my": "လူဝင်မှုကြီးကြပ်ရေး", "lo": "ກວດຄົນເຂົ້າເມືອງ"},
        "justice": {"my": "တရားစွဲဆိုရေးနှင့် တရားရုံး", "lo": "ໄອຍະການ ແລະ ສານ"},
        "other": {"my": "အခြား", "lo": "ອື່ນໆ"},
    },
    "gender": {
        "woman": {"my": "အမျိုးသမီး", "lo": "ຍິງ"},
        "man": {"my": "အမျိုးသား", "lo": "ຊາຍ"},
        "transgender_woman": {"my": "အမျိုးသမီး ဆိုင်ရာ ကူးပြောင်းသူ", "lo": "ແມ່ຍິງຂ້າມເພດ"},
        "transgender_man": {"my": "အမျိုးသား ဆိုင်ရာ ကူးပြောင်းသူ", "lo": "ຜູ້ຊາຍຂ້າມເພດ"},
        "non_binary": {"my": "နန်ဘိုင်နရီ", "lo": "ນອນໄບນາຣີ"},
        "other": {"my": "အခြား ဝိသေသ", "lo": "ອັດຕະລັກອື່ນ"},
        "prefer_not_to_say": {"my": "မဖော်ပြလိုပါ", "lo": "ບໍ່ປະສົງລະບຸ"},
    },
    "phase": {
        "pre": {"my": "သင်တန်းမတိုင်မီ စစ်ဆေးမှု", "lo": "ກ່ອນການຝຶກອົບຮົມ"},
        "post": {"my": "သင်တန်းပြီးနောက် စစ်ဆေးမှု", "lo": "ຫຼັງການຝຶກອົບຮົມ"},
        "delayed": {"my": "နောက်ဆက်တွဲ စစ်ဆေးမှု", "lo": "ການທົດສອບຕິດຕາມຜົນ"},
    },
    "likert": {
        1: {"my": "လုံးဝ သဘောမတူ", "lo": "ບໍ່ເຫັນດີຢ່າງຍິ່ງ"},
        2: {"my": "သဘောမတူ", "lo": "ບໍ່ເຫັນດີ"},
        3: {"my": "ကြားနေ", "lo": "ເປັນກາງ"},
        4: {"my": "သဘောတူ", "lo": "ເຫັນດີ"},
        5: {"my": "လုံးဝ သဘောတူ", "lo": "ເຫັນດີຢ່າງຍິ່ງ"},
    },
}
# spelling variants in Burmese and Lao (short forms on paper forms, polite endings)
_INGESTION_VARIANTS: dict[str, dict[object, tuple[str, ...]]] = {
    "country": {"MMR": ("မြန်မာနိုင်ငံ",), "LAO": ("ສປປ ລາວ", "ປະເທດລາວ"), "THA": ("ထိုင်းနိုင်ငံ", "ປະເທດໄທ")},
    "sector": {"law_enforcement": ("ရဲ", "ຕຳຫຼວດ"), "ngo": ("အန်ဂျီအို",)},
    "gender": {"woman": ("မ", "ເພດຍິງ", "ແມ່ຍິງ"), "man": ("ကျား", "ເພດຊາຍ", "ຜູ້ຊາຍ")},
    "phase": {"pre": ("မတိုင်မီ", "ກ່ອນ"), "post": ("ပြီးနောက်", "ຫຼັງ"), "delayed": ("ထပ်မံစစ်ဆေးမှု", "ທົດສອບຄືນ")},
    "likert": {
        1: ("လုံးဝ သဘောမတူပါ",),
        2: ("သဘောမတူပါ",),
        3: ("ບໍ່ແນ່ໃຈ",),
        4: ("သဘောတူပါသည်", "သဘောတူပါတယ်"),
        5: ("လုံးဝ သဘောတူပါသည်", "လုံးဝ သဘောတူပါတယ်"),
    },
}

#: Languages a training may be delivered in (BCP 47 primary tags).
TRAINING_LANGUAGES: dict[str, str] = {
    "km": "Khmer",
    "th": "Thai",
    "id": "Indonesian",
    "en": "English",
    "lo": "Lao",
    "my": "Burmese",
    "vi": "Vietnamese",
    "ms": "Malay",
    "fil": "Filipino",
}

#: Names of training languages as partners write them, in their own and the other languages.
LANGUAGE_VARIANTS: dict[str, tuple[str, ...]] = {
    "km": ("ភាសាខ្មែរ", "ខ្មែរ", "ภาษาเขมร", "Bahasa Khmer", "Cambodian"),
    "th": ("ภาษาไทย", "ไทย", "ភាសាថៃ", "Bahasa Thai"),
    "id": ("Bahasa Indonesia", "Bahasa", "ภาษาอินโดนีเซีย", "ភាសាឥណ្ឌូណេស៊ី"),
    "en": ("Bahasa Inggris", "ภาษาอังกฤษ", "ភាសាអង់គ្លេស"),
    "lo": ("ພາສາລາວ", "ภาษาลาว", "Bahasa Laos"),
    "my": ("မြန်မာဘာသာ", "ภาษาพม่า", "Bahasa Myanmar"),
    "vi": ("Tiếng Việt", "ภาษาเวียดนาม", "Bahasa Vietnam"),
}

#: Provinces (first-level divisions) known to tip_eval, with the country and spelling variants.
PROVINCES: dict[str, dict[str, object]] = {
    # Cambodia
    "Phnom Penh": {"country": "KHM", "labels": ("ភ្នំពេញ", "Phnom Phen", "Phnompenh", "พนมเปญ")},
    "Siem Reap": {"country": "KHM", "labels": ("សៀមរាប", "Siemreap", "Siem Riep", "เสียมราฐ")},
    "Battambang": {"country": "KHM", "labels": ("បាត់ដំបង", "Battambong", "Batdambang", "พระตะบอง")},
    "Banteay Meanchey": {"country": "KHM", "labels": ("បន្ទាយមានជ័យ", "Banteay Mean Chey")},
    "Kampong Cham": {"country": "KHM", "labels": ("កំពង់ចាម",)},
    "Preah Sihanouk": {"country": "KHM", "labels": ("ព្រះសីហនុ", "Sihanoukville")},
    "Svay Rieng": {"country": "KHM", "labels": ("ស្វាយរៀង",)},
    # Thailand
    "Bangkok": {"country": "THA", "labels": ("กรุงเทพมหานคร", "กรุงเทพฯ", "Krung Thep")},
    "Chiang Mai": {"country": "THA", "labels": ("เชียงใหม่", "Chiangmai")},
    "Chiang Rai": {"country": "THA", "labels": ("เชียงราย", "Chiangrai")},
    "Songkhla": {"country": "THA", "labels": ("สงขลา", "Songkla")},
    "Tak": {"country": "THA", "labels": ("ตาก",)},
    "Sa Kaeo": {"country": "THA", "labels": ("สระแก้ว", "Sakaeo")},
    "Ranong": {"country": "THA", "labels": ("ระนอง",)},
    # Indonesia
    "Bali": {"country": "IDN", "labels": ("Denpasar", "Provinsi Bali")},
    "Jakarta": {"country": "IDN", "labels": ("DKI Jakarta", "Daerah Khusus Ibukota Jakarta")},
    "West Java": {"country": "IDN", "labels": ("Jawa Barat", "Jabar")},
    "East Java": {"country": "IDN", "labels": ("Jawa Timur", "Jatim")},
    "West Nusa Tenggara": {"country": "IDN", "labels": ("Nusa Tenggara Barat", "NTB")},
    "East Nusa Tenggara": {"country": "IDN", "labels": ("Nusa Tenggara Timur", "NTT")},
    "Riau Islands": {"country": "IDN", "labels": ("Kepulauan Riau", "Kepri")},
}

#: Province names as a reader of each output language writes them: in the province's own script for
#: its country's language, transliterated for the others (a province missing here keeps its English name).
PROVINCE_LABELS: dict[str, dict[str, str]] = {
    "Phnom Penh": {"km": "ភ្នំពេញ", "th": "พนมเปญ"},
    "Siem Reap": {"km": "សៀមរាប", "th": "เสียมราฐ"},
    "Battambang": {"km": "បាត់ដំបង", "th": "พระตะบอง"},
    "Banteay Meanchey": {"km": "បន្ទាយមានជ័យ", "th": "บันเตียเมียนเจย"},
    "Kampong Cham": {"km": "កំពង់ចាម", "th": "กำปงจาม"},
    "Preah Sihanouk": {"km": "ព្រះសីហនុ", "th": "พระสีหนุ"},
    "Svay Rieng": {"km": "ស្វាយរៀង", "th": "สวายเรียง"},
    "Bangkok": {"th": "กรุงเทพมหานคร", "km": "បាងកក"},
    "Chiang Mai": {"th": "เชียงใหม่", "km": "ឈៀងម៉ៃ"},
    "Chiang Rai": {"th": "เชียงราย", "km": "ឈៀងរ៉ាយ"},
    "Songkhla": {"th": "สงขลา", "km": "សុងខ្លា"},
    "Tak": {"th": "ตาก", "km": "តាក់"},
    "Sa Kaeo": {"th": "สระแก้ว", "km": "ស្រះកែវ"},
    "Ranong": {"th": "ระนอง", "km": "រ៉ាណុង"},
    "Bali": {"id": "Bali", "th": "บาหลี", "km": "បាលី"},
    "Jakarta": {"id": "DKI Jakarta", "th": "จาการ์ตา", "km": "ហ្សាការតា"},
    "West Java": {"id": "Jawa Barat", "th": "ชวาตะวันตก", "km": "ជ្វាខាងលិច"},
    "East Java": {"id": "Jawa Timur", "th": "ชวาตะวันออก", "km": "ជ្វាខាងកើត"},
    "West Nusa Tenggara": {"id": "Nusa Tenggara Barat", "th": "นูซาเติงการาตะวันตก", "km": "នូសាតេងហ្គារាខាងលិច"},
    "East Nusa Tenggara": {"id": "Nusa Tenggara Timur", "th": "นูซาเติงการาตะวันออก", "km": "នូសាតេងហ្គារាខាងកើត"},
    "Riau Islands": {"id": "Kepulauan Riau", "th": "หมู่เกาะรีเยา", "km": "កោះរីយ៉ូ"},
}

#: Knowledge-test modules of the regional curriculum.
MODULES: dict[str, str] = {
    "definitions_law": N_("Trafficking definitions and law"),
    "identification": N_("Victim identification"),
    "protection_support": N_("Protection and support"),
    "recovery_reintegration": N_("Recovery and reintegration"),
    "special_groups": N_("Special groups (children, transgender and other groups)"),
    "victim_centred": N_("Victim-centred and trauma-informed practice"),
}

#: Kirkpatrick levels used in the codebook.
KIRKPATRICK_LEVELS: dict[int, str] = {1: "reaction", 2: "learning", 3: "behaviour", 4: "results"}


def label_key(text: object) -> str:
    """Return the matching key of a label: NFKC, casefolded, separators folded to single spaces."""
    return _label_key(str(text))


@lru_cache(maxsize=16384)
def _label_key(text: str) -> str:
    # memoised: header matching looks up the same few hundred names for every sheet it reads
    s = unicodedata.normalize("NFKC", text)
    s = "".join(" " if (ch in "_-./,;:()" or ch.isspace()) else ch for ch in s)
    s = "".join(ch for ch in s if ch not in "\u200b\u200c\u200d\u2060\ufeff")
    return " ".join(s.casefold().split())


def _index(
    labels: Mapping[object, Mapping[str, str]], variants: Mapping[object, tuple[str, ...]] | None
) -> dict[str, object]:
    out: dict[str, object] = {}
    for code, by_lang in labels.items():
        out[label_key(code)] = code
        for text in by_lang.values():
            out[label_key(text)] = code
        for text in (variants or {}).get(code, ()):
            out[label_key(text)] = code
    return out


def _with_ingestion(
    vocabulary: str, labels: Mapping[object, Mapping[str, str]], variants: Mapping[object, tuple[str, ...]] | None
):
    """A vocabulary's labels and variants with its Burmese and Lao labels and variants added."""
    extra = _INGESTION_LABELS.get(vocabulary, {})
    labels = {code: {**by_lang, **extra.get(code, {})} for code, by_lang in labels.items()}
    more = _INGESTION_VARIANTS.get(vocabulary, {})
    variants = {code: (*(variants or {}).get(code, ()), *more.get(code, ())) for code in labels}
    return labels, variants


@cache
def _indexes() -> dict[str, dict[str, object]]:
    provinces = {
        name: {"en": name, **{f"v{i}": v for i, v in enumerate(info["labels"])}}  # type: ignore[arg-type]
        for name, info in PROVINCES.items()
    }
    likert = _index(*_with_ingestion("likert", LIKERT, LIKERT_VARIANTS))
    for value in LIKERT:
        likert[str(value)] = value
    return {
        "country": _index(*_with_ingestion("country", COUNTRIES, COUNTRY_VARIANTS)),
        "sector": _index(*_with_ingestion("sector", SECTORS, SECTOR_VARIANTS)),
        "gender": _index(*_with_ingestion("gender", GENDERS, GENDER_VARIANTS)),
        "phase": _index(*_with_ingestion("phase", PHASES, PHASE_VARIANTS)),
        "likert": likert,
        "province": _index(provinces, None),
        "language": {
            **{label_key(k): k for k in TRAINING_LANGUAGES},
            **{label_key(v): k for k, v in TRAINING_LANGUAGES.items()},
            **{label_key(v): k for k, names in LANGUAGE_VARIANTS.items() for v in names},
        },
    }


VOCABULARIES: tuple[str, ...] = ("country", "sector", "gender", "phase", "likert", "province", "language")


def lookup(vocabulary: str, label: object) -> object | None:
    """Return the canonical code of ``label`` in ``vocabulary``, or None when the label is unknown.

    Parameters
    ----------
    vocabulary : {"country", "sector", "gender", "phase", "likert", "province", "language"}
        Which vocabulary to search.
    label : object
        A code or a label in en/km/th/id or a known spelling variant; case, spacing, underscores and
        hyphens are ignored.

    Examples
    --------
    >>> lookup("likert", "Sangat setuju"), lookup("likert", "เห็นด้วยอย่างยิ่ง")
    (5, 5)
    >>> lookup("province", "Phnom Phen")
    'Phnom Penh'
    """
    if vocabulary not in VOCABULARIES:
        raise ValueError(f"vocabulary must be one of {', '.join(VOCABULARIES)}; got {vocabulary!r}")
    if label is None:
        return None
    return _indexes()[vocabulary].get(label_key(label))


def closest(vocabulary: str, label: object, n: int = 3, lang: str | None = None) -> list[str]:
    """Return up to ``n`` known labels closest to ``label``, each with its code (for "did you mean").

    The labels offered are the codes, the English labels, those in ``lang`` (default: the language
    tip_eval writes in now, :func:`tip_eval.i18n.current_language`) and those in the script ``label``
    is written in, so that a Thai reader is not offered Burmese words.
    """
    from rapidfuzz import fuzz, process  # only needed when a label is unknown

    from tip_eval.i18n import current_language

    index = _indexes()[vocabulary]
    shown = _shown_keys(vocabulary, lang or current_language(), _script(label_key(label)))
    # the nearest labels of all, then those the reader is shown (so that a label in another script
    # never brings a worse match of the reader's own into the list)
    matches = process.extract(label_key(label), list(index), scorer=fuzz.ratio, limit=max(n * 4, 8))
    out: list[str] = []
    seen: set[object] = set()
    for key, _score, _pos in matches:
        if shown is not None and key not in shown:
            continue
        code = index[key]
        if code in seen:
            continue
        seen.add(code)
        out.append(key if label_key(code) == key else f"{key} (= {code})")
        if len(out) == n:
            break
    return out


def _script(text: str) -> str | None:
    """The Unicode script of the first letter of ``text`` that is not Latin ("THAI", "KHMER", ...), or None."""
    for ch in text:
        if ch.isalpha() and ord(ch) > 0x24F:
            return unicodedata.name(ch, "?").split()[0]
    return None


def _shown_keys(vocabulary: str, lang: str, script: str | None) -> set[str] | None:
    """The label keys :func:`closest` may offer (None: all of them, for provinces and languages)."""
    table = {"country": COUNTRIES, "sector": SECTORS, "gender": GENDERS, "phase": PHASES, "likert": LIKERT}.get(
        vocabulary
    )
    if table is None:
        return None
    own = {
        "country": COUNTRY_VARIANTS,
        "sector": SECTOR_VARIANTS,
        "gender": GENDER_VARIANTS,
        "phase": PHASE_VARIANTS,
        "likert": LIKERT_VARIANTS,
    }[vocabulary]
    labels, variants = _with_ingestion(vocabulary, table, own)
    keys = {label_key(code) for code in labels}
    for by_lang in labels.values():
        for code_lang, text in by_lang.items():
            key = label_key(text)
            if code_lang in ("en", lang) or (script is not None and _script(key) == script):
                keys.add(key)
    for names in variants.values():  # spelling variants written in the same script as the label
        keys.update(key for key in map(label_key, names) if _script(key) == script)
    return keys


def codes(vocabulary: str) -> list:
    """Return the canonical codes of a vocabulary, in their defined order."""
    return {
        "country": list(COUNTRIES),
        "sector": list(SECTORS),
        "gender": list(GENDERS),
        "phase": list(PHASES),
        "likert": list(LIKERT),
        "province": list(PROVINCES),
        "language": list(TRAINING_LANGUAGES),
    }[vocabulary]


def label(vocabulary: str, code: object, lang: str = "en") -> str:
    """Return the label of ``code`` in language ``lang`` (any of :data:`INGESTION_LANGUAGES`; falls
    back to English, then the code; provinces: :data:`PROVINCE_LABELS`, else the name as written).
    """
    if vocabulary == "province":
        return PROVINCE_LABELS.get(str(code), {}).get(lang) or str(code)
    table = {"country": COUNTRIES, "sector": SECTORS, "gender": GENDERS, "phase": PHASES, "likert": LIKERT}.get(
        vocabulary
    )
    if table is None or code not in table:
        return str(code)
    entry = table[code]  # type: ignore[index]
    extra = _INGESTION_LABELS.get(vocabulary, {}).get(code, {})
    return entry.get(lang) or extra.get(lang) or entry.get("en") or str(code)
