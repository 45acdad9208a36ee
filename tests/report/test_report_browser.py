"""The report in headless Chromium: what the page shows after its JavaScript ran, and a screenshot.

Needs Debian's ``chromium`` (``apt-get install -y chromium``); skipped when it is not installed.
The screenshot is kept as a test artifact: in ``$TEST_ARTIFACTS`` when set, else in tmp_path.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from pipeline.report import render_report

from .conftest import HandRun

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--disable-default-apps", "--mute-audio"]


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = _chromium()
    if binary is None:
        pytest.skip("no chromium binary at /usr/bin/chromium or on PATH "
                    "(install it with: apt-get install -y chromium)")
    return binary


def _browse(chromium: str, tmp_path: Path, url: str, *extra: str, timeout: int = 90) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _artifact_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ["TEST_ARTIFACTS"]) if os.environ.get("TEST_ARTIFACTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _png_rows(data: bytes, max_rows: int | None = None) -> tuple[int, int, list[bytes]]:
    """Width, height and the decoded RGB(A) rows of an 8-bit, non-interlaced PNG (zlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = bpp = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour, interlace)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(min(height, max_rows or height)):
        f = raw[y * (stride + 1)]
        line = raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        cur = bytearray(line)
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            if f == 1:
                cur[i] = (cur[i] + a) & 255
            elif f == 2:
                cur[i] = (cur[i] + b) & 255
            elif f == 3:
                cur[i] = (cur[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(cur))
        prev = cur
    return width, bpp, rows


def _colours(rows: list[bytes], bpp: int) -> set[tuple[int, int, int]]:
    out = set()
    for row in rows[::4]:
        for x in range(0, len(row), bpp * 3):
            out.add((row[x], row[x + 1], row[x + 2]))
    return out


@pytest.fixture
def report_file(hand_run: HandRun, tmp_path: Path) -> Path:
    out = tmp_path / "report.html"
    render_report(hand_run.path, out, codebook=hand_run.codebook)
    return out


def test_dom_after_javascript(chromium: str, report_file: Path, tmp_path: Path, hand_run: HandRun) -> None:
    dom = _browse(chromium, tmp_path, report_file.as_uri(), "--dump-dom", "--virtual-time-budget=3000")

    assert re.search(r'<html[^>]*class="[^"]*\bjs\b', dom), "the page's script did not run"
    # JS-written status: all suggestions shown at probability 0
    n = sum(len(s["codes"]) for s in hand_run.segments)
    assert f"{n} of {n} suggestions shown" in dom
    assert f'data-shown="{n}"' in dom
    # the coded unit is highlighted in its first code's colour, with its chips
    seg = hand_run.segments[1]
    unit = re.search(rf'<div class="unit coded on" id="u0-{seg["start"]}"[^>]*>', dom)
    assert unit and "--hl: #FFE066" in unit.group(0).replace("--hl:#", "--hl: #")
    assert '<span class="cl">Beslismoment</span> <b>0.90</b>' in dom
    # counts recomputed by the script agree with the page as rendered
    assert re.search(r'data-r="t" data-k="0"[^>]*>2</td>', dom)
    # corpus text stayed text
    assert "<script>alert" not in dom and "&lt;script&gt;alert" in dom


def test_click_opens_details_panel(chromium: str, report_file: Path, tmp_path: Path) -> None:
    dom = _browse(chromium, tmp_path, report_file.as_uri() + "#test-click", "--dump-dom",
                  "--virtual-time-budget=3000")

    assert 'data-test-click="clicked"' in dom
    assert re.search(r'<body[^>]*class="[^"]*\bpanel-open\b', dom)
    first = re.search(r'<div class="unit coded[^"]*\bsel\b[^"]*" id="(u\d+-\d+)"', dom)
    assert first, "the clicked unit is not selected"
    panel = dom[dom.index('id="panel"'):]
    assert f'data-unit="{first.group(1)}"' in dom[dom.index('id="panel"') - 200:]
    assert 'class="whybox"' in panel and "cue rule ik-besluit" in panel
    assert "Ik heb besloten" in panel


def test_slider_hides_weaker_suggestions(chromium: str, report_file: Path, tmp_path: Path,
                                         hand_run: HandRun) -> None:
    dom = _browse(chromium, tmp_path, report_file.as_uri() + "#test-min=0.7", "--dump-dom",
                  "--virtual-time-budget=3000")

    strong = [(c, s["scores"][c]) for s in hand_run.segments for c in s["codes"] if s["scores"][c] >= 0.7]
    total = sum(len(s["codes"]) for s in hand_run.segments)
    assert f"{len(strong)} of {total} suggestions shown" in dom
    assert re.search(r'<output id="minp-val">0.70</output>', dom)
    # weaker chips are switched off, and the counts follow: one decision moment of 0.9 is left
    assert re.search(r'<span class="chip off" data-k="\d+" data-p="0.5500"', dom)
    assert re.search(r'data-r="t" data-k="0"[^>]*>1</td>', dom)
    # the diary's 0.65 decision moment lost its highlight and its decision-table row
    seg = hand_run.segments[6]
    assert re.search(rf'<div class="unit coded" id="u1-{seg["start"]}"', dom)
    assert re.search(rf'<tr data-u="u1-{seg["start"]}" data-k="0" class="hide">', dom)


def test_screenshot(chromium: str, report_file: Path, tmp_path: Path) -> None:
    shot = _artifact_dir(tmp_path) / "report_screenshot.png"
    shot.unlink(missing_ok=True)

    _browse(chromium, tmp_path, report_file.as_uri() + "#test-click", f"--screenshot={shot}",
            "--window-size=1280,2000", "--hide-scrollbars", "--virtual-time-budget=3000")

    print(f"report screenshot: {shot}")
    assert shot.exists()
    assert shot.stat().st_size > 10_000, "screenshot looks blank"
    width, bpp, rows = _png_rows(shot.read_bytes())
    assert width == 1280
    colours = _colours(rows, bpp)
    assert len(colours) > 20, f"only {len(colours)} colours: blank page?"
    # the highlight colour of the first unit (Beslismoment, #FFE066 mixed with white) is painted
    from pipeline.report.html import _rgb, _tint

    tint = _rgb(_tint("#FFE066"))
    assert any(all(abs(c[i] - tint[i]) <= 3 for i in range(3)) for c in colours), \
        "no highlighted passage visible in the screenshot"
    shutil.copy(report_file, shot.with_name("report_screenshot.html"))
