"""The instructor's regrade page, rendered by headless Chromium as a person would see it."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from autograder.outcomes import QuestionResult, Report
from autograder.report.html import question_sections, write_report
from autograder.rubric import open_course

PROJECT = Path(__file__).resolve().parent.parent
BAR_BLUE = (0x3B, 0x6F, 0xB6)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _outcomes() -> list[Report]:
    """Twelve students on two questions of mlp-backprop, one grading error, one hostile label."""
    outcomes = []
    for index in range(12):
        forward = 20.0 if index % 3 else 10.0
        backward = [20.0, 0.0, 15.0][index % 3]
        error = index == 5
        outcomes.append(Report(
            label="<script>alert(1)</script>" if index == 7 else f"student-{index:02d}",
            seconds=1.0 + index / 10,
            results=(
                QuestionResult("mlp-forward", forward, 20.0, "graded",
                               ("Correct." if forward == 20 else "y_hat is wrong in case 2 (<b>bold</b>)",)),
                QuestionResult("mlp-backward", 0.0 if error else backward, 20.0,
                               "grading_error" if error else "graded",
                               ("This question could not be graded" if error else
                                ("Correct." if backward == 20 else "dJdW1 is off by a constant factor"),),
                               error="Traceback (most recent call last):\nZeroDivisionError" if error else None),
            ),
        ))
    return outcomes


def test_sections_count_scores_and_common_feedback() -> None:
    course = open_course("mlp-backprop", [PROJECT])
    sections = {s.id: s for s in question_sections(course.rubric, _outcomes())}
    assert set(sections) == {"mlp-forward", "mlp-backward"}
    forward = sections["mlp-forward"]
    assert [(b.label, b.count) for b in forward.bars] == [("10", 4), ("20", 8)]
    assert forward.full_marks == 8 and forward.common == (("y_hat is wrong in case 2 (<b>bold</b>)", 4),)
    backward = sections["mlp-backward"]
    assert [(b.label, b.count) for b in backward.bars] == [("0", 5), ("15", 3), ("20", 4)]


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of an 8-bit RGB(A) PNG, as Chromium writes them."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,), kind = struct.unpack("!I", data[position:position + 4]), data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        header = body if kind == b"IHDR" else header
        chunks += [body] if kind == b"IDAT" else []
        position += 12 + length
    width, height, depth, color = struct.unpack("!IIBB", header[:10])
    assert depth == 8 and color in (2, 6)
    channels = 3 if color == 2 else 4
    raw, stride, rows, previous = zlib.decompress(b"".join(chunks)), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                near = min((abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - corner), 2, corner))[2]
                line[i] = (line[i] + near) & 255
        rows.append(bytes(b for i in range(0, stride, channels) for b in line[i:i + 3]))
        previous = line
    return width, height, rows


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_the_page_renders_with_visible_histograms(tmp_path: Path) -> None:
    course = open_course("mlp-backprop", [PROJECT])
    page = write_report(tmp_path / "report.html", course.rubric, _outcomes())
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--window-size=1200,1400", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert "12 submissions; mean 27.1 / 40, median 30; 1 grading error." in dom  # the error scores 0
    assert "y_hat is wrong in case 2 (&lt;b&gt;bold&lt;/b&gt;)" in dom  # escaped, shown as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and "<script>alert" not in dom
    assert "ZeroDivisionError" in dom and dom.count('class="bar"') == 3 + 2 + 3
    shot = tmp_path / "report.png"
    subprocess.run([*flags, f"--screenshot={shot}", page.as_uri()], capture_output=True,
                   timeout=120, check=True)
    width, height, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 1400)
    blue = sum(
        1 for row in rows for x in range(0, len(row), 3)
        if all(abs(row[x + c] - BAR_BLUE[c]) <= 8 for c in range(3))
    )
    assert blue > 20_000  # three histograms of solid bars, as a person sees them
