"""PDFs the tests write themselves: an article with running headers, footers and hyphenated
line ends; a password-protected one; one with no text layer; a damaged one; a decompression bomb."""

from __future__ import annotations

import zlib
from pathlib import Path

from fpdf import FPDF

LOW_LUNGE = [
    "Low Lunge (Anjaneyasana)",
    "",
    "Low lunge stretches the front of the back hip and the thigh, which grow tight from long hours of sitting.",
    "",
    "Step your right foot forward between your hands and lower your left knee to the mat. Slide the left",
    "knee back until you feel a stretch along the front of the left hip. Keep the front knee over the ankle.",
    "",
    "Lift your chest and reach your arms overhead. Hold for five to eight breaths, then change sides.",
    "The stretch reaches the hip flexors and, for some people, the intercos-",
    "tal muscles between the ribs as the arms lift. Gentle back-",
    "bends like this one warm the spine; keep the back-bends small at first.",
    "",
    "If the back knee is sensitive, fold a blanket under it. Beginners can keep the hands on blocks beside",
    "the front foot.",
]
#: the second page: a paragraph carried over from the first, and one of its own
PAGE_TWO = [
    "Come out of the pose on an exhale by stepping the front foot back. Rest in child's pose for a few",
    "breaths before the second side.",
    "",
    "Skip the pose if you have a knee injury that makes kneeling painful.",
]


class _Article(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", size=8)
        self.cell(0, 8, "Studio Handouts - Spring Term", align="C")
        self.ln(12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def article_pdf(
    path: Path, pages: tuple[list[str], ...] = (LOW_LUNGE, PAGE_TWO), *, password: str | None = None
) -> Path:
    """Each page's printed lines (an empty string is a paragraph gap), under a running header
    and above a page-number footer."""
    pdf = _Article()
    pdf.set_title("Low Lunge (Anjaneyasana)")
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    for lines in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        for line in lines:
            if line:
                pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.ln(5)
    pdf.output(str(path))
    return path


def scanned_pdf(path: Path) -> Path:
    """A page with only a drawing on it: no text layer, as a scan has none."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def bomb_pdf(path: Path, expands_to: int = 200_000_000) -> Path:
    """A one-page PDF whose content stream is tiny on disk and ``expands_to`` bytes unpacked."""
    packer = zlib.compressobj(9)
    chunk = b" " * 1_000_000
    stream = b"".join(packer.compress(chunk) for _ in range(expands_to // len(chunk))) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path
