"""The documentation site's own code (docs/_ext/tip_eval_docs.py): included Markdown, figures, gallery.

The site itself is built by `sphinx-build -W -b html docs docs/_build` in .ci/run; these tests check
the pieces that decide what it shows, without building it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import tip_eval_docs as docs  # noqa: E402

SECURITY = """# Security

Read [the README](README.md), [the sample](sample_data/README.md#files), [a web page](https://example.org/x)
and [the limits](#limits).

## Untrusted folders

```bash
# a comment in a shell example, not a heading
tip-eval validate PATH
```

### Limits

Text.
"""


def test_included_markdown_shifts_headings_outside_code_and_unlinks_repository_files():
    text = docs.adapt_markdown(SECURITY, ROOT / "SECURITY.md", shift=1)
    assert text.splitlines() == [
        "## Security",
        "",
        "Read the README (`README.md`), the sample (`sample_data/README.md`), [a web page](https://example.org/x)",
        "and the limits.",
        "",
        "### Untrusted folders",
        "",
        "```bash",
        "# a comment in a shell example, not a heading",
        "tip-eval validate PATH",
        "```",
        "",
        "#### Limits",
        "",
        "Text.",
    ]


def test_a_markdown_section_runs_to_the_next_heading_of_its_level():
    readme = (
        "# tip_eval\n\n## What the brief contains\n\nBrief.\n\n### Small groups: one disclosure plan\n\n"
        "Rule.\n\n#### Why 5\n\nReason.\n\n```\n# code\n```\n\n### Cache\n\nCache.\n\n## Your own data\n"
    )
    assert docs.markdown_sections(readme, r"disclos") == [
        "### Small groups: one disclosure plan\n\nRule.\n\n#### Why 5\n\nReason.\n\n```\n# code\n```\n"
    ]
    assert docs.markdown_sections(readme, r"nothing like this") == []


def test_figure_html_keeps_the_json_inside_its_script_element():
    title = "</script><script>alert(1)</script>"
    html = docs.figure_html({"data": [], "layout": {"title": {"text": title}, "height": 300}}, "fig-1")
    assert html.count("</script>") == 1 and html.endswith("</script></div>")
    payload = re.search(r'<script type="application/json" id="fig-1-json">(.*)</script>', html).group(1)
    assert json.loads(payload)["layout"]["title"]["text"] == title
    assert 'style="height:300px;width:100%"' in html


def test_the_gallery_shows_every_figure_builder():
    gallery = (ROOT / "docs" / "gallery.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\{tip-eval-figure\}\n(.*?)```", gallery, flags=re.S)
    shown = {name for block in blocks for name in re.findall(r"te\.plots\.(\w+)\(", block)}
    builders = docs.figure_builders()
    assert "pre_post" in builders and "template" not in builders
    assert set(builders) <= shown, f"not in docs/gallery.md: {sorted(set(builders) - shown)}"


def test_math_becomes_mathml_and_unknown_latex_stays_readable():
    assert docs._mathml(r"\bar D \pm t_{1-\alpha/2}", block=False).startswith("<math")
    assert "<mfrac" in docs._mathml(r"\tfrac12", block=False)  # rewritten to \tfrac{1}{2}
    assert docs._mathml(r"\unknowncommand{x}", block=False) == r"<code>\unknowncommand{x}</code>"
