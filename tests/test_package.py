"""Packaging: import stays light; the public API names exist."""

from __future__ import annotations

import subprocess
import sys

import tip_eval as te

HEAVY = ("statsmodels", "plotly", "scipy.stats")


def test_import_is_light():
    code = "import sys, tip_eval; print(','.join(m for m in sys.modules if m.split('.')[0] in ('statsmodels','plotly','scipy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    loaded = [m for m in out.split(",") if m]
    assert not [m for m in loaded if m.startswith(HEAVY)], loaded


def test_importtime_lists_no_heavy_module():
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import tip_eval"], capture_output=True, text=True, check=True
    ).stderr
    names = [line.rsplit("|", 1)[-1].strip() for line in err.splitlines() if "|" in line]
    assert not [n for n in names if n.startswith(HEAVY)]


def test_public_names_resolve():
    for name in te.__all__:
        assert getattr(te, name) is not None
