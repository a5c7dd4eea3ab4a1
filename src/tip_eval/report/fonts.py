"""Fonts for Khmer, Thai and Lao script, embedded in the brief so that it renders offline, without
installed fonts, and prints to PDF as it shows.

The package ships Noto Sans Khmer, Thai and Lao (SIL Open Font License 1.1, ``fonts/OFL.txt``).
:func:`font_faces` subsets each font with fontTools to the characters a page uses (with every
glyph their shaping needs: ligatures, stacked consonants, vowel marks) and returns CSS
``@font-face`` rules with the subsets inlined as data URLs; a page with no such script gets none.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from importlib.resources import files

__all__ = ["SCRIPTS", "font_faces"]

#: script -> (CSS family name, first and last code point of its Unicode block, font file stem); the
#: family names are those of the brief's and the figures' font stacks, so that the embedded subset
#: is used in the page even where another version of the font is installed
SCRIPTS: dict[str, tuple[str, int, int, str]] = {
    "khmer": ("Noto Sans Khmer", 0x1780, 0x17FF, "NotoSansKhmer"),
    "thai": ("Noto Sans Thai", 0x0E00, 0x0E7F, "NotoSansThai"),
    "lao": ("Noto Sans Lao", 0x0E80, 0x0EFF, "NotoSansLao"),
}
_EXTRA = {"khmer": range(0x19E0, 0x1A00)}  # Khmer symbols


def _in_script(ch: str, script: str) -> bool:
    _family, first, last, _stem = SCRIPTS[script]
    return first <= ord(ch) <= last or ord(ch) in _EXTRA.get(script, ())


@lru_cache(maxsize=32)
def _subset(stem: str, weight: str, chars: str) -> bytes:
    from fontTools import subset  # type: ignore[import-untyped]

    font_file = files("tip_eval.report") / "fonts" / f"{stem}-{weight}.ttf"
    options = subset.Options()
    options.layout_features = ["*"]  # every shaping feature the kept glyphs need
    options.name_IDs = ["*"]  # keep the copyright and license notices
    options.notdef_outline = True
    options.hinting = False  # smaller and faster; screens and PDF printers render the outlines unhinted well
    options.glyph_names = False
    font = subset.load_font(io.BytesIO(font_file.read_bytes()), options)
    sub = subset.Subsetter(options)
    sub.populate(text=chars + " \u200b\u200c\u200d\u25cc")
    sub.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def font_faces(text: str) -> str:
    """CSS ``@font-face`` rules (regular and bold) for the Khmer, Thai and Lao characters of ``text``.

    Parameters
    ----------
    text : str
        Everything the page shows (its HTML and its figures' JSON).

    Returns
    -------
    str
        The rules, each with its subset inlined (base64); empty when ``text`` has none of these scripts.
    """
    rules = []
    used = set(text)
    for script, (family, _first, _last, stem) in SCRIPTS.items():
        chars = "".join(sorted(ch for ch in used if _in_script(ch, script)))
        if not chars:
            continue
        for weight, css_weight in (("Regular", 400), ("Bold", 700)):
            data = base64.b64encode(_subset(stem, weight, chars)).decode("ascii")
            rules.append(
                f'@font-face {{ font-family: "{family}"; font-weight: {css_weight}; font-style: normal; '
                f'src: url(data:font/ttf;base64,{data}) format("truetype"); }}'
            )
    return "\n".join(rules)
