"""tip_eval.i18n: a language per call or per block (never global), plural forms, CLDR formatting, Jinja2."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from tip_eval import i18n
from tip_eval.i18n import (
    _,
    catalog_fingerprint,
    current_language,
    format_date,
    format_integer,
    format_month,
    format_number,
    format_percent,
    install_jinja2,
    language_name,
    native_digits,
    ngettext,
    pgettext,
    translator,
    using,
)

WHOLE = "Type a whole number."


def test_a_translator_is_bound_to_one_language():
    assert translator("en").gettext(WHOLE) == WHOLE
    assert translator("th").gettext(WHOLE) == "พิมพ์จำนวนเต็ม"
    assert translator("km").gettext(WHOLE) == "វាយចំនួនគត់។"
    assert translator("id").gettext(WHOLE) == "Ketik bilangan bulat."
    assert translator("th").pgettext("sheet", "Pre-test") == "แบบทดสอบก่อน"
    assert translator("th").gettext("a message no catalog has") == "a message no catalog has"


def test_a_block_binds_the_language_of_code_deep_in_the_stack_and_restores_it():
    assert current_language() == "en" and _(WHOLE) == WHOLE
    with using("th") as t:
        assert t.lang == "th" and _(WHOLE) == "พิมพ์จำนวนเต็ม"
        with using("id"):
            assert _(WHOLE) == "Ketik bilangan bulat." and pgettext("sheet", "Items") == "Soal"
        assert current_language() == "th"
        with pytest.raises(ZeroDivisionError), using("km"):
            raise ZeroDivisionError("an error inside the block")
        assert current_language() == "th"  # restored after the error
    assert current_language() == "en"


def test_the_translator_of_the_current_language_follows_the_block():
    # translator() without a language is the current one each time, not the first one asked for
    with using("th"):
        assert translator().lang == "th"
    with using("km"):
        assert translator().lang == "km"
    assert translator().lang == "en" and translator().gettext(WHOLE) == WHOLE


def test_the_language_does_not_leak_between_threads():
    seen = {}

    def other():
        seen["start"] = current_language()
        with using("km"):
            seen["inside"] = _(WHOLE)

    with using("th"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert _(WHOLE) == "พิมพ์จำนวนเต็ม"  # the other thread's block did not change this one's
    assert seen == {"start": "en", "inside": "វាយចំនួនគត់។"}


def test_plural_forms_follow_each_language():
    # English has two forms; Khmer, Thai and Indonesian one (CLDR, gettext's Plural-Forms)
    assert ngettext("{n} error", "{n} errors", 1).format(n=1) == "1 error"
    assert ngettext("{n} error", "{n} errors", 2).format(n=2) == "2 errors"
    for n in (1, 2, 5):
        assert translator("th").ngettext("{n} error", "{n} errors", n).format(n=n) == f"ข้อผิดพลาด {n} รายการ"
        assert translator("id").ngettext("{n} error", "{n} errors", n).format(n=n) == f"{n} galat"


def test_an_unknown_language_is_refused_with_the_allowed_ones():
    with pytest.raises(ValueError, match=r"lang must be one of en, km, th, id .*; got 'fr'"):
        translator("fr")
    with pytest.raises(ValueError, match="got 'my'"):
        using("my").__enter__()


def test_numbers_and_percentages_as_each_language_writes_them():
    # CLDR (Latin digits): Indonesian groups with "." and uses "," for decimals; English, Thai and Khmer the reverse
    assert format_number(1234.5, "en", digits=1) == "1,234.5"
    assert format_number(1234.5, "th", digits=1) == "1,234.5"
    assert format_number(1234.5, "id", digits=1) == "1.234,5"
    assert format_number(1234.5, "km", digits=1) == "1,234.5"
    assert format_integer(20000, "id") == "20.000"
    assert format_percent(0.525, "en", digits=1) == "52.5%" and format_percent(0.525, "id", digits=1) == "52,5%"
    assert format_number(float("nan"), "th") == "\u2013" and format_percent(None, "km", missing="") == ""
    with using("id"):
        assert format_number(0.5, digits=2) == "0,50"  # the current language


def test_thai_khmer_lao_and_myanmar_digits_on_request():
    assert format_number(1234.5, "th", digits=1, native_digits=True) == "๑,๒๓๔.๕"
    assert format_integer(2023, "km", native_digits=True) == "២,០២៣"
    assert translator("th", native_digits=True).percent(0.5) == "๕๐%"
    assert native_digits("18/4/2566", "lo") == "໑໘/໔/໒໕໖໖" and native_digits("2023", "my") == "၂၀၂၃"
    assert native_digits("2023", "id") == "2023"


def test_dates_in_each_language_and_the_thai_buddhist_calendar():
    day = dt.date(2023, 4, 18)
    assert format_date(day, "en") == "Apr 18, 2023"
    assert format_date(day, "id", format="long") == "18 April 2023"
    assert format_date(day, "km", format="long") == "18 មេសា 2023"
    # the Buddhist era of Thailand and Laos: C.E. 2023 is B.E. 2566, with the era where the pattern has one
    assert format_date(day, "th", calendar="buddhist") == "18 เม.ย. 2566"
    assert format_date(day, "th", format="long", calendar="buddhist") == "18 เมษายน พ.ศ. 2566"
    assert format_date(day, "th", format="long") == "18 เมษายน ค.ศ. 2023"
    assert format_date(day, "lo", calendar="buddhist") == "18 ມ.ສ. 2566"
    assert format_date(day, "th", calendar="buddhist", native_digits=True) == "๑๘ เม.ย. ๒๕๖๖"
    assert format_date("2023-04-18T10:00", "en") == "Apr 18, 2023"
    with pytest.raises(ValueError, match="Thai and Lao"):
        format_date(day, "km", calendar="buddhist")
    assert format_month(2023, 4, "th") == "เมษายน 2023"


def test_language_names_in_each_language():
    assert language_name("km", "en") == "Khmer" and language_name("km", "th") == "เขมร"
    assert language_name("th", "km") == "ថៃ" and language_name("my", "id") == "Burma"


def test_a_corrected_catalog_changes_its_fingerprint():
    assert catalog_fingerprint("en") == ""
    prints = {lang: catalog_fingerprint(lang) for lang in ("km", "th", "id")}
    assert len(set(prints.values())) == 3 and all(len(p) == 64 for p in prints.values())


def test_jinja2_templates_translate_with_the_installed_language():
    jinja2 = pytest.importorskip("jinja2")
    env = jinja2.Environment(autoescape=True)
    t = install_jinja2(env, "th")
    assert t.lang == "th"
    page = env.from_string(
        "{{ _('Type a whole number.') }}|{{ ngettext('%(num)d error', '%(num)d errors', 3) }}|"
        "{{ pgettext('sheet', 'Items') }}|{{ x | number(1) }}|{{ s | percent }}|{{ d | date }}"
    )
    assert (
        page.render(x=1234.5, s=0.4, d=dt.date(2023, 4, 18)) == "พิมพ์จำนวนเต็ม|3 errors|ข้อสอบ|1,234.5|40%|18 เม.ย. 2023"
    )
    env_id = jinja2.Environment(autoescape=True)
    install_jinja2(env_id, "id")
    assert env_id.from_string("{{ x | number(1) }}").render(x=1234.5) == "1.234,5"


def test_the_module_is_light_and_keeps_no_state():
    assert i18n.LANGUAGES == ("en", "km", "th", "id")
    assert translator("th") is translator("th")  # immutable, shared
