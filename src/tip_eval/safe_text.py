"""Text that is safe to write: characters XML forbids removed, figure labels plain text.

Everything tip_eval publishes is written from other people's files, so any string may hold
characters a file format cannot carry or markup a viewer would act on. Three cleaners, one per
medium:

:func:`xml_chars`
    Removes the characters XML 1.0 does not allow (control characters other than tab, line feed
    and carriage return; U+FFFE and U+FFFF; lone surrogates). One such character in one cell makes
    a whole .xlsx file unreadable to Excel, LibreOffice and openpyxl. Used by
    :mod:`tip_eval.io.write` for every cell and sheet name.
:func:`plain_text`
    The one sanitiser of figure text. plotly reads ``<a href=...>``, ``<span style=...>``,
    ``<b>`` and the like in labels, hover text and titles as markup, so a province written as
    ``<a href="http://...">Chiang Mai</a>`` would become a live link in an axis label. Every ``<``,
    ``>`` and ``&`` of the text is escaped (``&lt;``, ``&gt;``, ``&amp;``; an existing entity such
    as ``&amp;`` is left as it is, so escaping twice changes nothing), after :func:`xml_chars`.
    With ``keep_markup=True`` the bare tags tip_eval's own figure builders write (``<br>``,
    ``<b>``, ``<i>``, ``<em>``, ``<sup>``, ``<sub>`` and hover text's ``<extra>``, each without
    attributes, so without a link, an image or a style) are kept and everything else is
    escaped: this is how :mod:`tip_eval.plots` finalises every string of a figure.
:func:`terminal_text`
    Removes control characters (escape sequences could move the cursor, rewrite the screen or
    set the window title) and bidirectional overrides from text printed to a terminal.

This module sits at the bottom of the layers: it imports nothing of tip_eval.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FIGURE_TAGS", "plain_text", "terminal_text", "xml_chars"]

#: Characters XML 1.0 forbids: C0 controls but tab/LF/CR, surrogates (lone ones can exist in a
#: Python str), U+FFFE and U+FFFF. (The Char production of XML 1.0, section 2.2.)
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Tags the figure builders write themselves; kept by ``plain_text(..., keep_markup=True)``.
FIGURE_TAGS = ("br", "b", "i", "em", "sup", "sub", "extra")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_NEEDS_WORK = re.compile("[<>&\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MARKUP_OR_AMP = re.compile(r"</?(?:{})\s*/?>|[<>&]".format("|".join(FIGURE_TAGS)), re.IGNORECASE)

#: C0 and C1 control characters (but tab and line feed), DEL, and the bidirectional embeddings,
#: overrides and isolates that can make printed text read in another order than it is stored.
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def xml_chars(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (see the module docstring).

    >>> xml_chars("Chiang\\ufffe Mai\\x07")
    'Chiang Mai'
    """
    if not _XML_FORBIDDEN.search(text):
        return text
    cleaned = _XML_FORBIDDEN.sub("", text)
    # a str subclass (markupsafe.Markup: text already escaped for HTML) keeps its type
    return cleaned if type(text) is str else type(text)(cleaned)


def _escape_outside_tags(text: str, keep_markup: bool) -> str:
    out = []
    pos = 0
    for m in _MARKUP_OR_AMP.finditer(text):
        out.append(text[pos : m.start()])
        token = m.group()
        if token == "&":
            out.append("&" if _ENTITY.match(text, m.start()) else "&amp;")
        elif token == "<":
            out.append("&lt;")
        elif token == ">":
            out.append("&gt;")
        elif keep_markup:  # one of the builders' bare tags
            out.append(token)
        else:
            out.append(token.replace("<", "&lt;").replace(">", "&gt;"))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def plain_text(value: Any, keep_markup: bool = False) -> str:
    """Figure text that plotly shows as written: no link, image or style can be carried by it.

    Parameters
    ----------
    value : object
        The text (anything else is converted with ``str``).
    keep_markup : bool, default False
        Keep the attribute-free tags of :data:`FIGURE_TAGS` (the builders' own line breaks and
        bold or italic words); escape everything else. Without it, every tag is escaped.

    Returns
    -------
    str
        The text without XML-forbidden characters, with ``<``, ``>`` and ``&`` escaped as HTML
        entities (an entity already present is kept, so the function is idempotent).

    Examples
    --------
    >>> plain_text('<a href="http://x">Chiang Mai</a>')
    '&lt;a href="http://x"&gt;Chiang Mai&lt;/a&gt;'
    >>> plain_text("<b>Women &amp; children</b><br>n = 5", keep_markup=True)
    '<b>Women &amp; children</b><br>n = 5'
    """
    text = value if isinstance(value, str) else str(value)
    if not _NEEDS_WORK.search(text):
        return text
    return _escape_outside_tags(xml_chars(text), keep_markup)


def terminal_text(value: Any) -> str:
    """Text to print on a terminal: without control characters or bidirectional overrides.

    >>> terminal_text("Phnom Penh\\x1b]0;owned\\x07")
    'Phnom Penh]0;owned'
    """
    text = value if isinstance(value, str) else str(value)
    return _TERMINAL.sub("", text)
