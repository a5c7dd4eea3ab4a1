"""Settings for costing a study: the reporting currency and the exchange rates (``[study]`` of study.toml).

Example::

    [study]
    currency = "USD"                          # the currency costs are reported in
    rates = { KHR = 0.000245, THB = 0.028 }   # USD per one riel, per one baht

Rates are given by the user, never looked up (the tool works offline): write the rate you want the
report to use, e.g. the average of the year the money was spent, and say where it came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from tip_eval.errors import InputRefused
from tip_eval.i18n import _

__all__ = ["COST_SETTING_KEYS", "CURRENCY_PATTERN", "RATE_COLUMNS", "check_cost_settings", "exchange_rate_table"]

#: the keys of ``[study]`` read here
COST_SETTING_KEYS = frozenset({"currency", "rates"})
#: an ISO 4217 currency code
CURRENCY_PATTERN = r"^[A-Z]{3}$"
#: columns of :func:`exchange_rate_table`
RATE_COLUMNS = ("currency", "rate", "reporting_currency")

_EXAMPLE = 'currency = "USD" and rates = { KHR = 0.000245, THB = 0.028 } under [study]'


def _code(value: Any) -> str | None:
    text = str(value).strip().upper() if isinstance(value, str) else None
    return text if text and re.match(CURRENCY_PATTERN, text) else None


def check_cost_settings(settings: Mapping[str, Any], file: str) -> None:
    """Refuse a reporting currency or exchange rates that cannot be used, before anything is read.

    Parameters
    ----------
    settings : mapping
        The ``[study]`` table (with any overrides).
    file : str
        The study.toml, named in the refusal.

    Raises
    ------
    tip_eval.InputRefused
        ``currency`` is not a three-letter code, or ``rates`` is not a table of three-letter codes
        and positive numbers.
    """
    example = _("Write for example {example}.").format(example=_EXAMPLE)
    if "currency" in settings and _code(settings["currency"]) is None:
        raise InputRefused(
            file,
            _("currency must be a three-letter currency code (ISO 4217); got {value}.").format(
                value=repr(settings["currency"])
            ),
            example,
        )
    rates = settings.get("rates")
    if rates is None:
        return
    if not isinstance(rates, Mapping):
        raise InputRefused(
            file, _("rates must be a table of currency = rate; got {value}.").format(value=repr(rates)), example
        )
    for code, rate in rates.items():
        if _code(code) is None:
            raise InputRefused(
                file,
                _("rates has {code}, which is not a three-letter currency code (ISO 4217).").format(code=repr(code)),
                example,
            )
        ok = isinstance(rate, (int, float)) and not isinstance(rate, bool) and math.isfinite(rate) and rate > 0
        if not ok:
            raise InputRefused(
                file,
                _(
                    "the rate of {code} must be a positive number (units of the reporting currency "
                    "for one {code}); got {value}."
                ).format(code=code, value=repr(rate)),
                example,
            )
    if "currency" not in settings:
        raise InputRefused(
            file,
            _("rates are given but not the currency they convert to."),
            _('Add currency = "USD" (or the currency of the rates) under [study].'),
        )


def exchange_rate_table(settings: Mapping[str, Any]) -> pd.DataFrame:
    """The reporting currency and the exchange rates as a table a Study carries.

    Returns
    -------
    pandas.DataFrame
        ``currency, rate, reporting_currency``: one row per currency (the reporting currency
        itself with rate 1); ``rate`` is units of the reporting currency for one unit of
        ``currency``. Empty when study.toml gives no currency.
    """
    currency = _code(settings.get("currency"))
    if currency is None:
        return pd.DataFrame({c: pd.Series([], dtype=object if c != "rate" else float) for c in RATE_COLUMNS})
    rates = {currency: 1.0}
    for code, rate in (settings.get("rates") or {}).items():
        rates[str(code).strip().upper()] = float(rate)
    return pd.DataFrame({"currency": list(rates), "rate": list(rates.values()), "reporting_currency": currency})[
        list(RATE_COLUMNS)
    ]
