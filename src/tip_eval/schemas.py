"""Canonical tables of tip_eval as pandera ``DataFrameModel``\\ s (the source of truth).

Every layout a partner uses is mapped onto these tables; everything downstream (analysis, plots,
publishing) reads only these. Column names are class attributes, so code can write
``Participants.sector`` instead of the string ``"sector"``.

Within-table rules (types, allowed values, ranges, unique keys) live here. Rules that need two tables
(every response's participant and item exist, every coded interview exists, ...) live in one place:
:func:`tip_eval.validation.cross_table_problems`.

``data_schemas/`` holds the YAML exported from these models and a data dictionary; a test fails when
they drift apart (regenerate with ``python -m tip_eval._data_dictionary data_schemas``).
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tip_eval import vocab

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
_ID = {"str_matches": ID_PATTERN, "str_length": {"min_value": 1, "max_value": 64}}


_PHASE_WORDS = (
    "pre (before the training), post (at its end) or delayed (a delayed post-test or retention test, "
    "weeks or months later)."
)


def _id_field(description: str, *, unique: bool = False, title: str | None = None) -> object:
    return pa.Field(description=description, title=title, unique=unique, **_ID)


class _Base(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True
        ordered = False


class Trainings(_Base):
    """One row per training (a delivery of the curriculum to one group)."""

    training_id: Series[str] = _id_field("Identifier of the training, unique in the study.", unique=True)
    country: Series[str] = pa.Field(isin=list(vocab.COUNTRIES), description="Country, ISO 3166-1 alpha-3 code.")
    province: Series[str] = pa.Field(description="Province (first-level division) where the training took place.")
    venue: Series[str] = pa.Field(nullable=True, description="Town or venue.")
    organiser: Series[str] = pa.Field(nullable=True, description="Organisation that ran the training.")
    start_date: Series[pd.Timestamp] = pa.Field(description="First day of the training.")
    end_date: Series[pd.Timestamp] = pa.Field(description="Last day of the training (on or after start_date).")
    language: Series[str] = pa.Field(
        isin=list(vocab.TRAINING_LANGUAGES), description="Language of delivery, BCP 47 tag."
    )
    curriculum_version: Series[str] = pa.Field(nullable=True, description="Version of the curriculum delivered.")
    delayed_test_months: Series[float] | None = pa.Field(
        ge=0,
        le=120,
        nullable=True,
        description="Months from the end of the training to the delayed post-test, when the test dates are not recorded "
        "(study.toml delayed_test_months); optional.",
    )
    study: Series[str] | None = pa.Field(
        nullable=True,
        description="The study the training belongs to, in a programme of several studies "
        "(set by load_studies); optional.",
    )

    @pa.dataframe_check(description="end_date is on or after start_date")
    @classmethod
    def dates_in_order(cls, df: pd.DataFrame) -> Series[bool]:
        """Per training: its end date is not before its start date."""
        return df["end_date"] >= df["start_date"]


class Participants(_Base):
    """One row per practitioner registered for a training. No names: pseudonymous IDs only."""

    participant_id: Series[str] = _id_field("Pseudonymous participant identifier, unique in the study.", unique=True)
    training_id: Series[str] = _id_field("Training the participant attended.")
    sector: Series[str] = pa.Field(isin=list(vocab.SECTORS), description="Sector the participant works in.")
    organisation: Series[str] = pa.Field(nullable=True, description="Employing organisation.")
    role: Series[str] = pa.Field(nullable=True, description="Job role or title.")
    gender: Series[str] = pa.Field(
        isin=list(vocab.GENDERS),
        nullable=True,
        description="Gender, self-described; inclusive options and prefer_not_to_say.",
    )
    years_experience: Series[float] = pa.Field(
        ge=0, le=60, nullable=True, description="Years of experience in counter-trafficking or related work."
    )


class Items(_Base):
    """One row per knowledge-test item (question) of the item bank."""

    item_id: Series[str] = _id_field("Identifier of the test item.", unique=True)
    module: Series[str] = pa.Field(isin=list(vocab.MODULES), description="Curriculum module the item tests.")
    text: Series[str] = pa.Field(nullable=True, description="The question as asked (English).")
    correct_answer: Series[str] = pa.Field(description="The keyed answer (for example A, B, C, D, or True/False).")
    points: Series[float] = pa.Field(gt=0, description="Points for a correct answer.")
    n_options: Series[pd.Int64Dtype] = pa.Field(
        ge=2, nullable=True, description="Number of answer options (for guessing corrections)."
    )


class Responses(_Base):
    """One row per participant, phase and item: the answer given and its score."""

    participant_id: Series[str] = _id_field("Participant who answered.")
    phase: Series[str] = pa.Field(isin=list(vocab.PHASES), description=_PHASE_WORDS)
    item_id: Series[str] = _id_field("Item answered.")
    training_id: Series[str] = _id_field("Training of the participant.")
    answer: Series[str] = pa.Field(nullable=True, description="Answer as given; empty when the item was skipped.")
    score: Series[float] = pa.Field(ge=0, description="Points scored (0 for a wrong or skipped answer).")
    test_date: Series[pd.Timestamp] | None = pa.Field(nullable=True, description="Date the test was taken; optional.")

    class Config:
        unique = ["participant_id", "phase", "item_id"]


class Scores(_Base):
    """One row per participant and phase: the test total, derived from responses or supplied."""

    participant_id: Series[str] = _id_field("Participant tested.")
    phase: Series[str] = pa.Field(isin=list(vocab.PHASES), description=_PHASE_WORDS)
    training_id: Series[str] = _id_field("Training of the participant.")
    score: Series[float] = pa.Field(ge=0, description="Total points scored.")
    max_score: Series[float] = pa.Field(gt=0, description="Maximum possible points of the test taken.")
    pct: Series[float] = pa.Field(
        ge=0, le=100, description="score as percent of max_score (0-100); what analyses compare."
    )
    test_date: Series[pd.Timestamp] | None = pa.Field(nullable=True, description="Date the test was taken; optional.")

    class Config:
        unique = ["participant_id", "phase"]

    @pa.dataframe_check(description="score is at most max_score")
    @classmethod
    def score_within_max(cls, df: pd.DataFrame) -> Series[bool]:
        """Per row: the score is at most the maximum score."""
        return df["score"] <= df["max_score"] + 1e-9


class Competencies(_Base):
    """One row per competency rated in the confidence self-assessment."""

    competency_id: Series[str] = _id_field("Identifier of the competency.", unique=True)
    label: Series[str] = pa.Field(description="Competency in English.")
    label_km: Series[str] = pa.Field(nullable=True, description="Competency in Khmer.")
    label_th: Series[str] = pa.Field(nullable=True, description="Competency in Thai.")
    label_id: Series[str] = pa.Field(nullable=True, description="Competency in Indonesian.")


class Confidence(_Base):
    """One row per participant, phase and competency: a 1-5 self-rating (ordinal)."""

    participant_id: Series[str] = _id_field("Participant rating.")
    phase: Series[str] = pa.Field(isin=list(vocab.PHASES), description=_PHASE_WORDS)
    competency_id: Series[str] = _id_field("Competency rated.")
    rating: Series[pd.Int64Dtype] = pa.Field(
        isin=[1, 2, 3, 4, 5], description="1 = strongly disagree ... 5 = strongly agree that I can do this."
    )

    class Config:
        unique = ["participant_id", "phase", "competency_id"]


class Interviews(_Base):
    """One row per follow-up interview."""

    interview_id: Series[str] = _id_field("Identifier of the interview.", unique=True)
    participant_id: Series[str] = _id_field("Participant interviewed.")
    interview_date: Series[pd.Timestamp] = pa.Field(description="Date of the interview.")
    coders: Series[str] = pa.Field(description="Coder identifiers, separated by ';'.")


class Codebook(_Base):
    """One row per code of the follow-up interview codebook."""

    code_id: Series[str] = _id_field("Identifier of the code.", unique=True)
    label: Series[str] = pa.Field(description="Short name of the code.")
    theme: Series[str] = pa.Field(description="Theme; nested themes are written 'Theme > Subtheme'.")
    level: Series[pd.Int64Dtype] = pa.Field(
        isin=[1, 2, 3, 4], description="Kirkpatrick level: 3 = behaviour, 4 = results."
    )
    applied_practice: Series[bool] = pa.Field(
        description="True when the code is evidence of applying the training in practice."
    )
    definition: Series[str] = pa.Field(nullable=True, description="When to apply the code.")


class FollowupCodes(_Base):
    """One row per interview, coder and code: whether the coder applied the code to the interview."""

    interview_id: Series[str] = _id_field("Interview coded.")
    coder: Series[str] = _id_field("Coder identifier.")
    code_id: Series[str] = _id_field("Code.")
    present: Series[bool] = pa.Field(description="True when the coder applied the code to the interview.")

    class Config:
        unique = ["interview_id", "coder", "code_id"]


class Costs(_Base):
    """One row per training and cost item: what a training cost, in the currency it was paid in."""

    training_id: Series[str] = _id_field("Training the cost belongs to.")
    cost: Series[float] = pa.Field(
        ge=0, description="Amount spent, in currency (several rows of one training are added up)."
    )
    currency: Series[str] = pa.Field(
        str_matches=r"^[A-Z]{3}$",
        description="ISO 4217 code of the currency paid in (USD, KHR, THB, IDR, ...); converted with the rates of study.toml.",
    )
    year: Series[pd.Int64Dtype] = pa.Field(
        ge=1990,
        le=2100,
        nullable=True,
        description="Year the money was spent (costs are reported as given, not adjusted for inflation).",
    )
    category: Series[str] = pa.Field(
        nullable=True, description="Cost category, optional (venue, trainers, travel, materials, ...)."
    )


#: Canonical table name -> model, in dependency order.
TABLES: dict[str, type[_Base]] = {
    "trainings": Trainings,
    "participants": Participants,
    "items": Items,
    "responses": Responses,
    "scores": Scores,
    "competencies": Competencies,
    "confidence": Confidence,
    "interviews": Interviews,
    "codebook": Codebook,
    "followup_codes": FollowupCodes,
    "costs": Costs,
}

#: Example values for the data dictionary.
EXAMPLES: dict[str, dict[str, str]] = {
    "trainings": {
        "training_id": "KHM-PNH-2023",
        "country": "KHM",
        "province": "Phnom Penh",
        "venue": "Phnom Penh",
        "organiser": "Mekong Partners Coalition",
        "start_date": "2023-04-18",
        "end_date": "2023-04-20",
        "language": "km",
        "curriculum_version": "RTC-2020",
        "delayed_test_months": "3",
        "study": "Cambodia and Indonesia 2023",
    },
    "participants": {
        "participant_id": "KHM-PNH-2023-P007",
        "training_id": "KHM-PNH-2023",
        "sector": "law_enforcement",
        "organisation": "Provincial police",
        "role": "Investigator",
        "gender": "woman",
        "years_experience": "6",
    },
    "items": {
        "item_id": "Q07",
        "module": "identification",
        "text": "Which is an indicator of forced labour?",
        "correct_answer": "B",
        "points": "1",
        "n_options": "4",
    },
    "responses": {
        "participant_id": "KHM-PNH-2023-P007",
        "phase": "pre",
        "item_id": "Q07",
        "training_id": "KHM-PNH-2023",
        "answer": "C",
        "score": "0",
        "test_date": "2023-04-18",
    },
    "scores": {
        "participant_id": "KHM-PNH-2023-P007",
        "phase": "post",
        "training_id": "KHM-PNH-2023",
        "score": "21",
        "max_score": "28",
        "pct": "75.0",
        "test_date": "2023-04-20",
    },
    "competencies": {
        "competency_id": "C01",
        "label": "Identify a victim of trafficking",
        "label_km": "…",
        "label_th": "…",
        "label_id": "…",
    },
    "confidence": {"participant_id": "KHM-PNH-2023-P007", "phase": "pre", "competency_id": "C01", "rating": "3"},
    "interviews": {
        "interview_id": "INT-0012",
        "participant_id": "KHM-PNH-2023-P007",
        "interview_date": "2023-09-14",
        "coders": "coder_a;coder_b",
    },
    "codebook": {
        "code_id": "ID_APPLY",
        "label": "Applied identification skills",
        "theme": "Applying identification",
        "level": "3",
        "applied_practice": "true",
        "definition": "Describes identifying a victim using the training's indicators.",
    },
    "followup_codes": {"interview_id": "INT-0012", "coder": "coder_a", "code_id": "ID_APPLY", "present": "true"},
    "costs": {
        "training_id": "KHM-PNH-2023",
        "cost": "4100000",
        "currency": "KHR",
        "year": "2023",
        "category": "venue and meals",
    },
}


def schema(table: str) -> pa.DataFrameSchema:
    """Return the pandera schema of canonical ``table`` (one of :data:`TABLES`)."""
    try:
        return TABLES[table].to_schema()
    except KeyError:
        raise ValueError(f"table must be one of {', '.join(TABLES)}; got {table!r}") from None


def empty(table: str) -> pd.DataFrame:
    """Return an empty frame with the columns and dtypes of canonical ``table``."""
    return _empty(table).copy()


@cache
def _empty(table: str) -> pd.DataFrame:
    s = schema(table)  # a table's schema is fixed: its empty frame is made once, and copied
    return s.coerce_dtype(pd.DataFrame({name: pd.Series([], dtype=object) for name in s.columns}))


def optional_columns(table: str) -> list[str]:
    """The columns of ``table`` that a frame may leave out (they are then empty: see :func:`complete`)."""
    return [name for name, col in schema(table).columns.items() if not col.required]


def complete(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every optional column of ``table`` it lacks added, empty and typed.

    Optional columns (a test's date, a training's study, ...) are new in a table that existing
    files, frames and caches do not have; a frame without them means "not recorded".
    """
    missing = [c for c in optional_columns(table) if c not in frame.columns]
    if not missing:
        return frame
    s = schema(table)
    out = frame.copy()
    for c in missing:
        out[c] = s.columns[c].dtype.coerce(pd.Series([None] * len(frame), index=frame.index, dtype=object))
    return out


def conform(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the columns of ``table``, in schema order and coerced dtypes.

    Raises pandera's SchemaErrors when the data do not satisfy the schema (validation is lazy, so
    every failure is listed).
    """
    s = schema(table)
    cols = list(s.columns)
    return s.validate(frame[cols].reset_index(drop=True), lazy=True)
