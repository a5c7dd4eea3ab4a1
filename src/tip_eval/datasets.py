"""Synthetic studies with planted effects: the bundled sample study, tests and benchmarks use them.

Everything here is invented. :func:`make_study` simulates a programme like the regional training
curriculum's roll-out (three provincial trainings in Thailand, three in Cambodia, one in Indonesia),
with an item-response model for the knowledge test, ordinal confidence ratings, drop-out, follow-up
interviews and two-coder coding, and returns the effects it planted so that analyses can be checked
against the truth.

The model, in brief (ability on the logit scale):

- pre-test ability ``theta_pre ~ N(mu_training + mu_sector, 0.8)``;
- individual gain ``g ~ N(gamma_training + delta_sector, 0.35)``, ``theta_post = theta_pre + g``;
- item ``j`` answered correctly with probability ``c_j + (1 - c_j) * logistic(a_j (theta - b_j))``,
  ``c_j = 1 / n_options``; one item is miskeyed, ``a_j < 0`` (negative discrimination);
- confidence ratings: an ordinal latent that rises with ability and, for the planted over-confident
  sector, rises after training much more than knowledge does;
- post-tests are missing more often for low pre-test ability; a few pre-tests are missing at random;
- each person who took both the pre- and the post-test is interviewed 3-6 months after training with
  probability 0.5 (so about half of the matched people, a little under half of everyone who took the
  post-test); applied-practice codes are more likely for larger knowledge gains; about 20% of
  interviews are coded twice, with planted disagreement on two codes;
- everyone interviewed also takes a delayed post-test (a retention test) on the day of the interview:
  ``theta_delayed = theta_pre + (1 - lambda_training) g + N(0, 0.2)``, so that about a third of the
  gain is lost (``lambda`` from 0.25 to 0.45, by training), and rates their confidence again. The
  delayed test is drawn from a random stream of its own, so the pre- and post-test data are those
  of a study without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tip_eval.scoring import scores_from_responses

if TYPE_CHECKING:  # pragma: no cover
    from tip_eval.study import Study

# --- the default programme -------------------------------------------------------------------------

#: share of the latent gain lost by the delayed post-test, per default training (in _DEFAULT_TRAININGS order)
_DEFAULT_DECAY = [0.30, 0.25, 0.45, 0.35, 0.40, 0.30, 0.35]
#: sd of the change between post-test and delayed test that the decay does not explain (logit scale)
_DELAY_NOISE = 0.2

_DEFAULT_TRAININGS = [
    # training_id, country, province, venue, organiser, start, days, language, n, mu (pre), gamma (gain)
    (
        "THA-CMI-2022",
        "THA",
        "Chiang Mai",
        "Chiang Mai",
        "Provincial Social Development Office, Chiang Mai",
        "2022-08-23",
        3,
        "th",
        44,
        0.10,
        1.00,
    ),
    (
        "THA-SKA-2022",
        "THA",
        "Songkhla",
        "Hat Yai",
        "Provincial Social Development Office, Songkhla",
        "2022-09-13",
        3,
        "th",
        40,
        0.00,
        0.95,
    ),
    (
        "THA-TAK-2022",
        "THA",
        "Tak",
        "Mae Sot",
        "Provincial Social Development Office, Tak",
        "2022-10-04",
        3,
        "th",
        42,
        -0.15,
        0.45,
    ),
    (
        "KHM-PNH-2023",
        "KHM",
        "Phnom Penh",
        "Phnom Penh",
        "Mekong Partners Coalition",
        "2023-04-18",
        3,
        "km",
        26,
        0.20,
        1.05,
    ),
    (
        "KHM-SRP-2023",
        "KHM",
        "Siem Reap",
        "Siem Reap",
        "Mekong Partners Coalition",
        "2023-05-16",
        3,
        "km",
        22,
        -0.25,
        1.55,
    ),
    (
        "KHM-BTB-2023",
        "KHM",
        "Battambang",
        "Battambang",
        "Mekong Partners Coalition",
        "2023-06-13",
        3,
        "km",
        24,
        -0.20,
        1.00,
    ),
    ("IDN-DPS-2023", "IDN", "Bali", "Denpasar", "Yayasan Pelindung Nusantara", "2023-05-23", 3, "id", 24, 0.05, 0.90),
]

_SECTOR_MIX = {
    "THA": {"government_social_services": 0.50, "law_enforcement": 0.25, "ngo": 0.20, "other": 0.05},
    "KHM": {"government_social_services": 0.30, "law_enforcement": 0.25, "ngo": 0.45, "other": 0.00},
    "IDN": {"government_social_services": 0.30, "law_enforcement": 0.30, "ngo": 0.40, "other": 0.00},
}
# planted sector effects: pre-test ability and knowledge gain (logit scale); confidence boost
_SECTOR_PRE = {"government_social_services": 0.0, "law_enforcement": -0.20, "ngo": 0.25, "other": 0.0}
_SECTOR_GAIN = {"government_social_services": 0.0, "law_enforcement": -0.45, "ngo": 0.20, "other": 0.0}
_SECTOR_CONF_BOOST = {"government_social_services": 0.0, "law_enforcement": 1.2, "ngo": 0.0, "other": 0.0}
OVERCONFIDENT_SECTOR = "law_enforcement"

_ORGS = {
    ("THA", "government_social_services"): [
        "Provincial Social Development Office",
        "Shelter for Children and Families",
        "Protection and Occupational Development Centre",
    ],
    ("THA", "law_enforcement"): ["Provincial Police", "Anti-Trafficking in Persons Division", "Immigration Police"],
    ("THA", "ngo"): ["Foundation for Migrant Rights", "Northern Women's Network", "Child Safe Foundation"],
    ("THA", "other"): ["Provincial Labour Office", "Provincial Hospital"],
    ("KHM", "government_social_services"): [
        "Provincial Department of Social Affairs",
        "Ministry of Social Affairs",
        "Commune Committee for Women and Children",
    ],
    ("KHM", "law_enforcement"): [
        "Anti-Human Trafficking and Juvenile Protection Police",
        "Provincial Police Commissariat",
        "Municipal Court Prosecution",
    ],
    ("KHM", "ngo"): [
        "Safe Haven Cambodia",
        "Community Legal Aid",
        "Children's Shelter Network",
        "Survivor Support Centre",
    ],
    ("IDN", "government_social_services"): ["Dinas Sosial Provinsi Bali", "UPTD PPA Denpasar"],
    ("IDN", "law_enforcement"): ["Polda Bali", "Imigrasi Ngurah Rai"],
    ("IDN", "ngo"): ["Yayasan Pelindung Nusantara", "Lembaga Bantuan Hukum Bali", "Rumah Aman Perempuan"],
}
_ROLES = {
    "government_social_services": ["Social worker", "Case manager", "Shelter officer", "Programme officer"],
    "law_enforcement": ["Investigator", "Police officer", "Immigration officer", "Prosecutor"],
    "ngo": ["Case worker", "Outreach worker", "Counsellor", "Programme manager", "Lawyer"],
    "other": ["Labour inspector", "Nurse", "Teacher"],
}
_GENDERS = (["woman", "man", "transgender_woman", "non_binary", "prefer_not_to_say"], [0.55, 0.40, 0.015, 0.01, 0.025])

_MODULE_ORDER = [
    "definitions_law",
    "identification",
    "protection_support",
    "recovery_reintegration",
    "special_groups",
    "victim_centred",
]
_ITEMS_PER_MODULE = [5, 5, 5, 4, 5, 4]  # 28 items
_FLAWED_ITEM = "Q12"  # a protection_support item whose key is wrong

_COMPETENCIES = [
    (
        "C01",
        "Identify a victim of trafficking",
        "កំណត់អត្តសញ្ញាណជនរងគ្រោះពីការជួញដូរ",
        "ระบุตัวผู้เสียหายจากการค้ามนุษย์",
        "Mengidentifikasi korban perdagangan orang",
    ),
    (
        "C02",
        "Refer a victim to the right services",
        "បញ្ជូនជនរងគ្រោះទៅសេវាត្រឹមត្រូវ",
        "ส่งต่อผู้เสียหายไปยังบริการที่เหมาะสม",
        "Merujuk korban ke layanan yang tepat",
    ),
    (
        "C03",
        "Build trust with a victim",
        "កសាងទំនុកចិត្តជាមួយជនរងគ្រោះ",
        "สร้างความไว้วางใจกับผู้เสียหาย",
        "Membangun kepercayaan dengan korban",
    ),
    (
        "C04",
        "Work with child victims",
        "ធ្វើការជាមួយជនរងគ្រោះជាកុមារ",
        "ทำงานกับผู้เสียหายที่เป็นเด็ก",
        "Bekerja dengan korban anak",
    ),
    (
        "C05",
        "Support transgender victims",
        "គាំទ្រជនរងគ្រោះប្តូរភេទ",
        "สนับสนุนผู้เสียหายที่เป็นคนข้ามเพศ",
        "Mendukung korban transgender",
    ),
    (
        "C06",
        "Plan safe recovery and reintegration",
        "រៀបចំផែនការស្តារ និងធ្វើសមាហរណកម្មប្រកបដោយសុវត្ថិភាព",
        "วางแผนการฟื้นฟูและคืนสู่สังคมอย่างปลอดภัย",
        "Merencanakan pemulihan dan reintegrasi yang aman",
    ),
    (
        "C07",
        "Apply a trauma-informed approach",
        "អនុវត្តវិធីសាស្រ្តដែលយល់ដឹងពីរបួសផ្លូវចិត្ត",
        "ใช้แนวทางที่คำนึงถึงบาดแผลทางใจ",
        "Menerapkan pendekatan berbasis trauma",
    ),
]

_CODEBOOK = [
    # code_id, label, theme, level, applied, definition, base logit
    (
        "ID_DEFINITIONS",
        "Clearer grasp of trafficking definitions and types",
        "Applying identification",
        3,
        True,
        "Describes using the legal definition or the types of trafficking to decide whether a case is trafficking.",
        -0.4,
    ),
    (
        "ID_SCREENING",
        "Uses screening indicators to identify victims",
        "Applying identification",
        3,
        True,
        "Describes using indicators or a screening form from the training with a real case.",
        -0.8,
    ),
    (
        "ENG_SERVICES_SAFETY",
        "Explains services and safety before reintegration",
        "Changed engagement with victims",
        3,
        True,
        "Describes explaining available services and safety planning to a victim before return or reintegration.",
        -0.9,
    ),
    (
        "ENG_VICTIM_CENTRED",
        "Victim-centred interviewing",
        "Changed engagement with victims",
        3,
        True,
        "Describes changing how they interview victims: consent, pace, privacy, no blame.",
        -0.7,
    ),
    (
        "SG_CHILDREN",
        "Adapted practice for child victims",
        "Special groups > Children",
        3,
        True,
        "Describes applying child-specific procedures or needs learned in the training.",
        -1.3,
    ),
    (
        "SG_TRANSGENDER",
        "Recognised needs of transgender victims",
        "Special groups > Transgender and other groups",
        3,
        True,
        "Describes recognising or meeting specific needs of transgender victims.",
        -1.9,
    ),
    (
        "TRUST_BUILDING",
        "Builds trust before asking for disclosure",
        "Building trust",
        3,
        True,
        "Describes taking time to build trust before expecting a victim to disclose.",
        -0.6,
    ),
    (
        "SHARE_COLLEAGUES",
        "Shared learning with colleagues",
        "Sharing with colleagues",
        3,
        False,
        "Describes passing on training content to colleagues, formally or informally.",
        -0.2,
    ),
    (
        "SHARE_SOP",
        "Changed team procedures",
        "Sharing with colleagues",
        4,
        False,
        "Describes a change to a team's or agency's procedure or form following the training.",
        -1.8,
    ),
    (
        "RES_REFERRAL",
        "Faster or better referrals",
        "Results for victims",
        4,
        False,
        "Describes a referral that went faster or better because of contacts or knowledge from the training.",
        -1.4,
    ),
    (
        "BAR_RESOURCES",
        "Lack of resources or time",
        "Barriers met",
        3,
        False,
        "Describes not applying the training because of missing staff, money, time or services.",
        -0.5,
    ),
    (
        "BAR_AUTHORITY",
        "Rules or superiors prevent change",
        "Barriers met",
        3,
        False,
        "Describes a superior, rule or procedure that stops them applying what they learned.",
        -1.2,
    ),
]
_LOW_AGREEMENT_CODES = ("TRUST_BUILDING", "SG_TRANSGENDER")
_FOLLOWUP_SLOPE = 0.8  # log-odds per SD of individual knowledge gain, for applied-practice codes


@dataclass(frozen=True)
class Truth:
    """The effects a synthetic study planted.

    Attributes
    ----------
    trainings : pandas.DataFrame
        One row per training: ``training_id, mu_pre, gamma`` (logit-scale pre-test level and gain),
        ``expected_pre_pct, expected_post_pct, expected_gain_pct`` (expected test percentages for this
        training's participants, given their sectors) and ``n_participants``; and the delayed
        post-test: ``decay_share`` (the planted share of the latent gain lost by then) and, for the
        people who take all three tests (those who took the post-test and were re-tested, at random,
        at their interview), the expected ``expected_retested_pre_pct``,
        ``expected_retested_post_pct``, ``expected_retested_delayed_pct``,
        ``expected_retested_gain_pct`` (post - pre), ``expected_retained_gain_pct`` (delayed -
        pre), ``expected_decay_pct`` (delayed - post) and ``expected_retention_ratio`` (retained /
        immediate): what :func:`tip_eval.retention` estimates for a training. They average over the
        country's sector mix and over who took the post-test (less likely for low pre-test ability).
    sectors : pandas.DataFrame
        One row per sector: ``sector, mu_pre, delta_gain, confidence_boost``.
    flawed_item : str
        The item with negative discrimination (a miskeyed question).
    overconfident_sector : str
        The sector whose confidence rises much more than its knowledge.
    followup_slope : float
        Log-odds of each applied-practice code per standard deviation of individual knowledge gain.
    low_agreement_codes : tuple of str
        Codes on which the second coder disagrees far more often.
    participants : pandas.DataFrame
        ``participant_id, theta_pre, gain`` (latent, logit scale) for every participant.
    params : dict
        Other generator settings.
    """

    trainings: pd.DataFrame
    sectors: pd.DataFrame
    flawed_item: str
    overconfident_sector: str
    followup_slope: float
    low_agreement_codes: tuple[str, ...]
    participants: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _item_table(n_items: int | None, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    if n_items is None:
        modules = [m for m, k in zip(_MODULE_ORDER, _ITEMS_PER_MODULE) for _ in range(k)]
    else:
        if n_items < 2:
            raise ValueError(f"n_items must be at least 2; got {n_items}")
        modules = [_MODULE_ORDER[i * len(_MODULE_ORDER) // n_items] for i in range(n_items)]
    k = len(modules)
    ids = [f"Q{j + 1:02d}" for j in range(k)]
    a = rng.uniform(0.8, 1.7, size=k)
    b = np.linspace(-1.6, 1.4, k)[rng.permutation(k)]
    flawed = _FLAWED_ITEM if _FLAWED_ITEM in ids else ids[min(11, k - 1)]
    a[ids.index(flawed)] = -0.9
    b[ids.index(flawed)] = 0.0
    keys = np.array(list("ABCD"))[rng.integers(0, 4, size=k)]
    texts = [f"{_module_question(m)} (item {i})" for i, m in zip(ids, modules)]
    items = pd.DataFrame(
        {
            "item_id": ids,
            "module": modules,
            "text": texts,
            "correct_answer": keys,
            "points": 1.0,
            "n_options": 4,
        }
    )
    return items, a, b


def _module_question(module: str) -> str:
    return {
        "definitions_law": "Which statement matches the ACTIP definition of trafficking in persons?",
        "identification": "Which of these is an indicator that a person may be a victim?",
        "protection_support": "What should happen first when a possible victim is found?",
        "recovery_reintegration": "What must be in place before a victim returns home?",
        "special_groups": "What is required when the possible victim is a child or a transgender person?",
        "victim_centred": "Which practice is victim-centred and trauma-informed?",
    }[module]


def _training_table(n_trainings: int | None, rng: np.random.Generator) -> pd.DataFrame:
    cols = ["training_id", "country", "province", "venue", "organiser", "start", "days", "language", "n", "mu", "gamma"]
    if n_trainings is None:
        return pd.DataFrame(_DEFAULT_TRAININGS, columns=cols)
    if n_trainings < 1:
        raise ValueError(f"n_trainings must be at least 1; got {n_trainings}")
    base = pd.DataFrame(_DEFAULT_TRAININGS, columns=cols)
    idx = np.arange(n_trainings) % len(base)
    out = base.iloc[idx].reset_index(drop=True)
    year = 2020 + (np.arange(n_trainings) // len(base)) % 6
    serial = np.arange(n_trainings)
    out["training_id"] = [
        f"{c}-{t.split('-')[1]}-{y}-{s:05d}" for c, t, y, s in zip(out["country"], out["training_id"], year, serial)
    ]
    start = pd.to_datetime(out["start"]) + pd.to_timedelta(rng.integers(-40, 40, size=n_trainings), unit="D")
    out["start"] = [d.replace(year=int(y)).strftime("%Y-%m-%d") for d, y in zip(start, year)]
    out["mu"] = rng.normal(0.0, 0.25, size=n_trainings)
    out["gamma"] = rng.normal(1.0, 0.3, size=n_trainings)
    return out


def _text(values: Any, index: np.ndarray) -> Any:
    """``values[index]`` as pandas' default text dtype.

    Gathered in Arrow when pandas stores text there (millions of rows without creating a Python
    string per row).
    """
    target = pd.Series(["x"]).dtype
    values = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=object)
    index = np.asarray(index, dtype=np.int64)
    if isinstance(target, pd.StringDtype) and target.storage == "pyarrow":
        import pyarrow as pa

        return pd.array(pa.array(values, type=pa.large_string()).take(pa.array(index)), dtype=target)
    return values[index]


def _expected_pct(mean: np.ndarray, sd: float, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """E[percent correct] for ability ~ N(mean, sd), by 40-point Gauss-Hermite quadrature."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    theta = mean[:, None] + sd * nodes[None, :]  # groups x nodes
    p = c[None, None, :] + (1 - c[None, None, :]) * _sigmoid(a[None, None, :] * (theta[:, :, None] - b[None, None, :]))
    return 100.0 * (p.mean(axis=2) * weights[None, :]).sum(axis=1)


def make_study(
    seed: int = 0,
    n_trainings: int | None = None,
    participants_per_training: int | None = None,
    n_items: int | None = None,
) -> tuple[Study, Truth]:
    """Build a synthetic study and return it with the effects it planted.

    Parameters
    ----------
    seed : int, default 0
        Seed of the random generator; the same arguments always give the same study.
    n_trainings : int, optional
        Number of trainings. None gives the default programme: 7 trainings (three provincial trainings
        in Thailand, Phnom Penh, Siem Reap and Battambang in Cambodia, Denpasar in Indonesia).
    participants_per_training : int, optional
        Participants registered per training. None gives the default sizes (22 to 44, 222 in all).
    n_items : int, optional
        Knowledge-test items. None gives the default 28-item test in 6 modules.

    Returns
    -------
    study : Study
        Every canonical table, validated (``costs`` empty: the sample has no costs).
    truth : Truth
        The planted effects (see :class:`Truth`).

    Notes
    -----
    The size arguments scale the study for benchmarks: 2,000 trainings x 50 participants x 30 items
    (6 million responses) build in seconds. Scaled trainings cycle through the default countries and
    provinces with random training effects.

    Examples
    --------
    >>> study, truth = make_study()
    >>> len(study.trainings), truth.flawed_item
    (7, 'Q12')
    """
    rng = np.random.default_rng(seed)
    tr = _training_table(n_trainings, rng)
    if n_trainings is None:
        tr["decay"] = _DEFAULT_DECAY
    return _simulate(seed, rng, tr, participants_per_training, n_items, "Synthetic sample study (invented data)", "INT")


#: a later round of the programme: trainings for multi-disciplinary teams in three more Thai provinces
_ROUND_2024 = [
    (
        "THA-CRI-2024",
        "THA",
        "Chiang Rai",
        "Chiang Rai",
        "Provincial Social Development Office, Chiang Rai",
        "2024-02-20",
        3,
        "th",
        26,
        0.15,
        1.10,
    ),
    (
        "THA-SKW-2024",
        "THA",
        "Sa Kaeo",
        "Aranyaprathet",
        "Provincial Social Development Office, Sa Kaeo",
        "2024-03-12",
        3,
        "th",
        22,
        -0.10,
        0.85,
    ),
    (
        "THA-RNG-2024",
        "THA",
        "Ranong",
        "Ranong",
        "Provincial Social Development Office, Ranong",
        "2024-04-23",
        3,
        "th",
        24,
        0.00,
        1.25,
    ),
]
_ROUND_2024_DECAY = [0.30, 0.45, 0.25]


def make_round(seed: int = 1) -> tuple[Study, Truth]:
    """A later round of the sample programme: a second, small synthetic study.

    Three trainings for multi-disciplinary teams in Thailand in 2024 (Chiang Rai, Sa Kaeo, Ranong;
    72 participants), with the same knowledge test, competencies and codebook as :func:`make_study`
    and the same model (follow-up interviews and a delayed post-test included). Its interview IDs
    start with ``INT-2024-`` so that it can join the default study in a programme
    (:func:`tip_eval.load_studies`); ``sample_data/programme/`` is this study written as files.

    Parameters
    ----------
    seed : int, default 1
        Seed of the random generator.

    Returns
    -------
    study : Study
    truth : Truth
    """
    rng = np.random.default_rng(seed)
    cols = ["training_id", "country", "province", "venue", "organiser", "start", "days", "language", "n", "mu", "gamma"]
    tr = pd.DataFrame(_ROUND_2024, columns=cols).assign(decay=_ROUND_2024_DECAY)
    # the same test as the sample study: make_study(seed=0) draws its items first from default_rng(0)
    return _simulate(seed, rng, tr, None, None, "Synthetic second round 2024 (invented data)", "INT-2024", item_seed=0)


def _simulate(
    seed: int,
    rng: np.random.Generator,
    tr: pd.DataFrame,
    participants_per_training: int | None,
    n_items: int | None,
    name: str,
    interview_prefix: str,
    item_seed: int | None = None,
) -> tuple[Study, Truth]:
    """The model of :func:`make_study` for the trainings ``tr`` (see the module docstring)."""
    from tip_eval.study import Study

    if participants_per_training is not None:
        if participants_per_training < 1:
            raise ValueError(f"participants_per_training must be at least 1; got {participants_per_training}")
        tr["n"] = participants_per_training
    # the test: drawn from this study's generator, or the sample study's own test (a later round)
    items, a, b = _item_table(n_items, rng if item_seed is None else np.random.default_rng(item_seed))
    c = 1.0 / items["n_options"].to_numpy(dtype=float)
    points = items["points"].to_numpy(dtype=float)

    start = pd.to_datetime(tr["start"])
    trainings = pd.DataFrame(
        {
            "training_id": tr["training_id"],
            "country": tr["country"],
            "province": tr["province"],
            "venue": tr["venue"],
            "organiser": tr["organiser"],
            "start_date": start,
            "end_date": start + pd.to_timedelta(tr["days"] - 1, unit="D"),
            "language": tr["language"],
            "curriculum_version": "RTC-2020",
        }
    )

    # --- participants
    n_per = tr["n"].to_numpy(dtype=int)
    t_idx = np.repeat(np.arange(len(tr)), n_per)
    n = len(t_idx)
    within = np.concatenate([np.arange(k) for k in n_per]) + 1
    pid = [f"{t}-P{w:03d}" for t, w in zip(tr["training_id"].to_numpy()[t_idx], within)]
    country = tr["country"].to_numpy()[t_idx]
    sector = np.empty(n, dtype=object)
    for ctry, mix in _SECTOR_MIX.items():
        mask = country == ctry
        names = [k for k, v in mix.items() if v > 0]
        probs = np.array([mix[k] for k in names])
        sector[mask] = np.array(names)[rng.choice(len(names), size=mask.sum(), p=probs / probs.sum())]
    org = np.empty(n, dtype=object)
    role = np.empty(n, dtype=object)
    for key in sorted(set(zip(country, sector))):
        mask = (country == key[0]) & (sector == key[1])
        options = _ORGS.get(key, _ORGS.get((key[0], "ngo")))
        org[mask] = np.array(options)[rng.integers(0, len(options), size=mask.sum())]
        roles = _ROLES[key[1]]
        role[mask] = np.array(roles)[rng.integers(0, len(roles), size=mask.sum())]
    gender = np.array(_GENDERS[0])[rng.choice(len(_GENDERS[0]), size=n, p=_GENDERS[1])]
    years = np.round(rng.gamma(2.0, 3.5, size=n), 0)
    years = np.minimum(years, 40.0)
    participants = pd.DataFrame(
        {
            "participant_id": pid,
            "training_id": tr["training_id"].to_numpy()[t_idx],
            "sector": sector,
            "organisation": org,
            "role": role,
            "gender": gender,
            "years_experience": years,
        }
    )

    # --- latent ability and gain
    sec_pre = np.array([_SECTOR_PRE[s] for s in sector])
    sec_gain = np.array([_SECTOR_GAIN[s] for s in sector])
    mu_pre = tr["mu"].to_numpy()[t_idx] + sec_pre
    mu_gain = tr["gamma"].to_numpy()[t_idx] + sec_gain
    sd_pre, sd_gain = 0.8, 0.35
    theta_pre = rng.normal(mu_pre, sd_pre)
    gain = rng.normal(mu_gain, sd_gain)
    theta_post = theta_pre + gain

    # --- who took which test
    z_pre = (theta_pre - theta_pre.mean()) / theta_pre.std()
    has_post = rng.random(n) >= _sigmoid(-2.3 - 0.6 * z_pre)
    has_pre = rng.random(n) >= 0.03
    both_missing = ~has_pre & ~has_post
    has_post[both_missing] = True  # nobody registered is missing both, by construction

    # --- item responses
    k = len(items)
    options = np.array(list("ABCD"))
    key_idx = pd.Series(items["correct_answer"]).map({o: i for i, o in enumerate(options)}).to_numpy()

    def answers(
        theta: np.ndarray, take: np.ndarray, gen: np.random.Generator = rng
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        who = np.flatnonzero(take)
        p = c[None, :] + (1 - c[None, :]) * _sigmoid(a[None, :] * (theta[who, None] - b[None, :]))
        correct = gen.random((len(who), k)) < p
        wrong_pick = (key_idx[None, :] + gen.integers(1, 4, size=(len(who), k))) % 4
        chosen = np.where(correct, key_idx[None, :], wrong_pick)
        return who, chosen, correct

    resp_frames = []
    # the pre-test on the first day of the training, the post-test on its last
    days = {"pre": trainings["start_date"].to_numpy()[t_idx], "post": trainings["end_date"].to_numpy()[t_idx]}
    for phase, theta, take in (("pre", theta_pre, has_pre), ("post", theta_post, has_post)):
        who, chosen, correct = answers(theta, take)
        resp_frames.append(
            pd.DataFrame(
                {
                    "participant_id": _text(pid, np.repeat(who, k)),
                    "phase": _text([phase], np.zeros(len(who) * k, dtype=np.int64)),
                    "item_id": _text(items["item_id"], np.tile(np.arange(k), len(who))),
                    "training_id": _text(participants["training_id"], np.repeat(who, k)),
                    "answer": _text(options, chosen.ravel()),
                    "score": (correct * points[None, :]).ravel(),
                    "test_date": np.repeat(days[phase][who], k),
                }
            )
        )
    responses = pd.concat(resp_frames, ignore_index=True)
    scores = scores_from_responses(responses, items)

    # --- confidence (ordinal 1-5)
    comps = pd.DataFrame(_COMPETENCIES, columns=["competency_id", "label", "label_km", "label_th", "label_id"])
    # canonical text is normalised text (NFKC rewrites Thai SARA AM, for instance), as ingest stores it
    from tip_eval.io.clean import normalize_text

    comps = comps.map(normalize_text)
    m = len(comps)
    comp_offset = np.linspace(0.3, -0.6, m)
    person_conf = rng.normal(0.0, 0.6, size=n)
    conf_boost = np.array([_SECTOR_CONF_BOOST[s] for s in sector])
    cuts = np.array([-2.2, -1.0, 0.3, 1.6])
    conf_frames = []
    for phase, theta, take, shift in (("pre", theta_pre, has_pre, 0.0), ("post", theta_post, has_post, 1.0)):
        who = np.flatnonzero(take)
        latent = (
            0.35 * theta[who, None]
            + person_conf[who, None]
            + comp_offset[None, :]
            + shift * (0.4 + conf_boost[who, None])
            + rng.logistic(0, 0.6, size=(len(who), m))
        )
        rating = 1 + (latent[:, :, None] > cuts[None, None, :]).sum(axis=2)
        conf_frames.append(
            pd.DataFrame(
                {
                    "participant_id": _text(pid, np.repeat(who, m)),
                    "phase": _text([phase], np.zeros(len(who) * m, dtype=np.int64)),
                    "competency_id": _text(comps["competency_id"], np.tile(np.arange(m), len(who))),
                    "rating": rating.ravel(),
                }
            )
        )
    confidence = pd.concat(conf_frames, ignore_index=True)

    # --- follow-up interviews
    codebook = pd.DataFrame(
        [row[:6] for row in _CODEBOOK], columns=["code_id", "label", "theme", "level", "applied_practice", "definition"]
    )
    base_logit = np.array([row[6] for row in _CODEBOOK])
    applied = codebook["applied_practice"].to_numpy()
    observed_gain = _observed_gain(scores)
    eligible = np.flatnonzero(has_pre & has_post)
    interviewed = eligible[rng.random(len(eligible)) < 0.5]
    ni = len(interviewed)
    end = trainings["end_date"].to_numpy()[t_idx[interviewed]]
    int_dates = pd.to_datetime(end) + pd.to_timedelta(rng.integers(90, 185, size=ni), unit="D")
    interview_ids = [f"{interview_prefix}-{i + 1:04d}" for i in range(ni)]
    g_obs = observed_gain.reindex(np.asarray(pid, dtype=object)[interviewed]).to_numpy()
    g_z = (g_obs - np.nanmean(g_obs)) / (np.nanstd(g_obs) or 1.0)
    logit = base_logit[None, :] + np.where(applied[None, :], _FOLLOWUP_SLOPE * g_z[:, None], 0.0)
    truth_codes = rng.random((ni, len(codebook))) < _sigmoid(logit)
    coders = np.array(["coder_a", "coder_b", "coder_c"])
    first = rng.integers(0, 2, size=ni)
    double = rng.random(ni) < 0.2
    second = (first + rng.integers(1, 3, size=ni)) % 3
    flip_p = np.where(np.isin(codebook["code_id"].to_numpy(), _LOW_AGREEMENT_CODES), 0.30, 0.04)
    code_rows = []
    coder_text = []
    for i in range(ni):
        names = [coders[first[i]]] + ([coders[second[i]]] if double[i] else [])
        coder_text.append(";".join(names))
        code_rows.append((interview_ids[i], names[0], truth_codes[i]))
        if double[i]:
            flips = rng.random(len(codebook)) < flip_p
            code_rows.append((interview_ids[i], names[1], truth_codes[i] ^ flips))
    ncode = len(codebook)
    followup_codes = pd.DataFrame(
        {
            "interview_id": _text([r[0] for r in code_rows], np.repeat(np.arange(len(code_rows)), ncode)),
            "coder": _text([r[1] for r in code_rows], np.repeat(np.arange(len(code_rows)), ncode)),
            "code_id": _text(codebook["code_id"], np.tile(np.arange(ncode), len(code_rows))),
            "present": np.concatenate([r[2] for r in code_rows]) if code_rows else np.array([], dtype=bool),
        }
    )
    interviews = pd.DataFrame(
        {
            "interview_id": interview_ids,
            "participant_id": np.asarray(pid, dtype=object)[interviewed],
            "interview_date": int_dates.normalize(),
            "coders": coder_text,
        }
    )

    # --- delayed post-test at the interview, from a random stream of its own
    later = np.random.default_rng([seed, 18])
    decay_share = (
        tr["decay"].to_numpy(dtype=float) if "decay" in tr.columns else later.uniform(0.25, 0.45, size=len(tr))
    )
    lam = decay_share[t_idx]
    theta_delayed = theta_pre + (1.0 - lam) * gain + later.normal(0.0, _DELAY_NOISE, size=n)
    retested = np.zeros(n, dtype=bool)
    retested[interviewed] = True
    test_day = pd.Series(pd.NaT, index=np.arange(n), dtype="datetime64[ns]")
    test_day.iloc[interviewed] = int_dates.normalize()
    who, chosen, correct = answers(theta_delayed, retested, later)
    delayed_responses = pd.DataFrame(
        {
            "participant_id": _text(pid, np.repeat(who, k)),
            "phase": _text(["delayed"], np.zeros(len(who) * k, dtype=np.int64)),
            "item_id": _text(items["item_id"], np.tile(np.arange(k), len(who))),
            "training_id": _text(participants["training_id"], np.repeat(who, k)),
            "answer": _text(options, chosen.ravel()),
            "score": (correct * points[None, :]).ravel(),
            "test_date": np.repeat(test_day.to_numpy()[who], k),
        }
    )
    responses = pd.concat([responses, delayed_responses], ignore_index=True)
    scores = pd.concat([scores, scores_from_responses(delayed_responses, items)], ignore_index=True)
    # confidence rated again at the delayed test: most of the rise stays
    latent = (
        0.35 * theta_delayed[who, None]
        + person_conf[who, None]
        + comp_offset[None, :]
        + 0.8 * (0.4 + conf_boost[who, None])
        + later.logistic(0, 0.6, size=(len(who), m))
    )
    rating = 1 + (latent[:, :, None] > cuts[None, None, :]).sum(axis=2)
    confidence = pd.concat(
        [
            confidence,
            pd.DataFrame(
                {
                    "participant_id": _text(pid, np.repeat(who, m)),
                    "phase": _text(["delayed"], np.zeros(len(who) * m, dtype=np.int64)),
                    "competency_id": _text(comps["competency_id"], np.tile(np.arange(m), len(who))),
                    "rating": rating.ravel(),
                }
            ),
        ],
        ignore_index=True,
    )

    study = Study(
        trainings=trainings,
        participants=participants,
        items=items,
        responses=responses,
        scores=scores,
        competencies=comps,
        confidence=confidence,
        interviews=interviews,
        codebook=codebook,
        followup_codes=followup_codes,
        name=name,
    )

    # --- the truth
    cells, inverse = np.unique(np.column_stack([mu_pre, mu_gain]), axis=0, return_inverse=True)
    exp_pre = _expected_pct(cells[:, 0], sd_pre, a, b, c)[inverse.ravel()]
    exp_post = _expected_pct(cells[:, 0] + cells[:, 1], float(np.hypot(sd_pre, sd_gain)), a, b, c)[inverse.ravel()]
    per_person = pd.DataFrame({"training_id": participants["training_id"], "pre": exp_pre, "post": exp_post})
    agg = per_person.groupby("training_id", sort=False).agg(
        expected_pre_pct=("pre", "mean"), expected_post_pct=("post", "mean"), n_participants=("pre", "size")
    )
    agg["expected_gain_pct"] = agg["expected_post_pct"] - agg["expected_pre_pct"]
    truth_tr = pd.DataFrame({"training_id": tr["training_id"], "mu_pre": tr["mu"], "gamma": tr["gamma"]})
    truth_tr = truth_tr.merge(agg.reset_index(), on="training_id")
    truth_tr["decay_share"] = decay_share
    retest = _retested_truth(
        tr, decay_share, sd_pre, sd_gain, (float(theta_pre.mean()), float(theta_pre.std())), a, b, c
    )
    truth_tr = truth_tr.merge(retest, on="training_id")
    sectors = pd.DataFrame(
        {
            "sector": list(_SECTOR_PRE),
            "mu_pre": list(_SECTOR_PRE.values()),
            "delta_gain": [_SECTOR_GAIN[s] for s in _SECTOR_PRE],
            "confidence_boost": [_SECTOR_CONF_BOOST[s] for s in _SECTOR_PRE],
        }
    )
    truth = Truth(
        trainings=truth_tr,
        sectors=sectors,
        flawed_item=str(items["item_id"].iloc[int(np.argmin(a))]),
        overconfident_sector=OVERCONFIDENT_SECTOR,
        followup_slope=_FOLLOWUP_SLOPE,
        low_agreement_codes=_LOW_AGREEMENT_CODES,
        participants=pd.DataFrame({"participant_id": pid, "theta_pre": theta_pre, "gain": gain}),
        params={
            "seed": seed,
            "sd_pre": sd_pre,
            "sd_gain": sd_gain,
            "item_a": a,
            "item_b": b,
            "delay_noise": _DELAY_NOISE,
        },
    )
    return study, truth


def _retested_truth(
    tr: pd.DataFrame,
    decay_share: np.ndarray,
    sd_pre: float,
    sd_gain: float,
    pre_center: tuple[float, float],
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
) -> pd.DataFrame:
    """Expected test percentages of the people of each training who take all three tests.

    Those people took the post-test (less likely for a low pre-test ability: weight
    ``1 - sigmoid(-2.3 - 0.6 z)``, z the pre-test ability standardised with the study's own mean and
    sd ``pre_center``) and were re-tested at their interview (at random). Each sector of the
    country's mix counts with its share among them. Integrals by Gauss-Hermite quadrature: the
    pre-test ability (24 nodes, weighted by taking the post-test) and the change after it (12 nodes).
    """
    x, wx = np.polynomial.hermite_e.hermegauss(24)  # 24 x 12 nodes: within 1e-8 points of 40 x 20
    wx = wx / wx.sum()
    y, wy = np.polynomial.hermite_e.hermegauss(12)
    wy = wy / wy.sum()

    def pct(theta: np.ndarray) -> np.ndarray:  # expected percent correct at each ability
        p = c + (1 - c) * _sigmoid(a * (theta[..., None] - b))
        return 100.0 * p.mean(axis=-1)

    lam = np.asarray(decay_share, dtype=float)
    kept_sd = np.hypot((1 - lam) * sd_gain, _DELAY_NOISE)
    acc = np.zeros((len(tr), 4))
    for sector in _SECTOR_PRE:  # every training at once, one sector at a time
        share = tr["country"].map(lambda ctry, sector=sector: _SECTOR_MIX[ctry].get(sector, 0.0)).to_numpy(dtype=float)
        if not (share > 0).any():
            continue
        theta = (tr["mu"].to_numpy(dtype=float) + _SECTOR_PRE[sector])[:, None] + sd_pre * x[None, :]  # T x 24
        take = 1.0 - _sigmoid(-2.3 - 0.6 * (theta - pre_center[0]) / pre_center[1])
        w = wx[None, :] * take
        mass = w.sum(axis=1)
        g_mu = (tr["gamma"].to_numpy(dtype=float) + _SECTOR_GAIN[sector])[:, None, None]
        post = theta[:, :, None] + g_mu + sd_gain * y[None, None, :]  # T x 24 x 12
        later = theta[:, :, None] + (1 - lam)[:, None, None] * g_mu + kept_sd[:, None, None] * y[None, None, :]
        means = (
            np.column_stack(
                [(w * pct(theta)).sum(axis=1), (w * (pct(post) @ wy)).sum(axis=1), (w * (pct(later) @ wy)).sum(axis=1)]
            )
            / mass[:, None]
        )
        acc += (share * mass)[:, None] * np.column_stack([means, np.ones(len(tr))])
    pre, post, later = (acc[:, j] / acc[:, 3] for j in range(3))
    return pd.DataFrame(
        {
            "training_id": tr["training_id"].to_numpy(),
            "expected_retested_pre_pct": pre,
            "expected_retested_post_pct": post,
            "expected_retested_delayed_pct": later,
            "expected_retested_gain_pct": post - pre,
            "expected_retained_gain_pct": later - pre,
            "expected_decay_pct": later - post,
            "expected_retention_ratio": (later - pre) / (post - pre),
        }
    )


def _observed_gain(scores: pd.DataFrame) -> pd.Series:
    wide = scores.pivot(index="participant_id", columns="phase", values="pct")
    if "pre" not in wide or "post" not in wide:
        return pd.Series(dtype=float)
    return wide["post"] - wide["pre"]
