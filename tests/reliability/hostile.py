"""Hostile upload fixtures, made in code (no binary files in the repository).

Each builder returns bytes. PDFs are written object by object with a correct xref table, so
that a parser gets past the header and meets the hostile structure itself.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Sequence

from PIL import Image

# ---------------------------------------------------------------- PDF writing


def pdf(objects: Sequence[bytes], *, root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF from object bodies (object n is objects[n-1]) with a valid xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, root, trailer_extra, xref)
    )
    return out.getvalue()


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


def _page(content: int, resources: bytes = b"<< >>", parent: int = 2) -> bytes:
    return (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources %s /Contents %d 0 R >>"
        % (parent, resources, content)
    )


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_page_pdf(text: bytes = b"Hello", *, catalog_extra: bytes = b"") -> bytes:
    """One plain page of Latin text; catalog_extra goes into the document catalog."""
    content = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(4, b"<< /Font << /F1 5 0 R >> >>"),
            stream(content),
            FONT,
        ]
    )


# ---------------------------------------------------------------- PDF bombs and loops


def _deflate_zeros(size: int) -> bytes:
    """zlib data that inflates to `size` zero bytes, written without holding `size` in memory."""
    packer = zlib.compressobj(9)
    chunk = b"\0" * (1024 * 1024)
    parts = []
    left = size
    while left > 0:
        n = min(left, len(chunk))
        parts.append(packer.compress(chunk[:n]))
        left -= n
    parts.append(packer.flush())
    return b"".join(parts)


def flate_bomb(inner_mb: int = 256, layers: int = 2) -> bytes:
    """A content stream behind nested /FlateDecode filters that inflates to `inner_mb` MB
    (pypdf #3429 shape): a few hundred bytes on disk, hundreds of MB once decoded."""
    data = _deflate_zeros(inner_mb * 1024 * 1024)
    for _ in range(layers - 1):
        data = zlib.compress(data, 9)
    filters = b"[" + b" /FlateDecode" * layers + b" ]"
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(4),
            stream(data, b"/Filter " + filters + b" "),
        ]
    )


def truncated_flate() -> bytes:
    """A flate content stream cut in the middle (pdfminer #1163 shape)."""
    data = zlib.compress(b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n" * 20000, 9)
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(4, b"<< /Font << /F1 5 0 R >> >>"),
            stream(data[: len(data) // 2], b"/Filter /FlateDecode "),
            FONT,
        ]
    )


def circular_xobjects() -> bytes:
    """Two Form XObjects that draw each other (pdfminer #1113: RecursionError in do_Do)."""
    form = b"/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /X %d 0 R >> >> "
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(4, b"<< /XObject << /X 5 0 R >> >>"),
            stream(b"/X Do"),
            stream(b"/X Do", form % 6),
            stream(b"/X Do", form % 5),
        ]
    )


def page_tree_loop() -> bytes:
    """A /Pages node that lists itself and its parent among its kids (pdfminer #909/#879)."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 3 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R 4 0 R] /Count 2 >>",
            _page(5, parent=3),
            stream(b""),
        ]
    )


def deep_nesting(depth: int = 100_000) -> bytes:
    """An array nested `depth` levels deep in the catalog: recursion in a naive object parser."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Junk " + b"[" * depth + b"]" * depth + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(4),
            stream(b""),
        ]
    )


def many_pages(count: int) -> bytes:
    """`count` real (empty) pages sharing one content stream."""
    first_page = 4
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(count))
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
            stream(b""),
            *[_page(3) for _ in range(count)],
        ]
    )


def claimed_page_count(count: int = 10_000_000) -> bytes:
    """One page, but the page tree claims millions: a reader must not trust /Count."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
            _page(4),
            stream(b""),
        ]
    )


def ruling_lines(lines: int = 4000, *, label: bytes = b"") -> bytes:
    """One page with thousands of ruling lines (pdfplumber #807: find_tables at 100 % CPU)."""
    rng = random.Random(807)
    ops = [b"0.1 w"]
    for _ in range(lines):
        if rng.random() < 0.5:
            y = rng.uniform(50, 800)
            ops.append(b"50 %.2f m 545 %.2f l S" % (y, y))
        else:
            x = rng.uniform(50, 545)
            ops.append(b"%.2f 50 m %.2f 800 l S" % (x, x))
    if label:
        ops.append(b"BT /F1 10 Tf 60 780 Td (" + label + b") Tj ET")
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(4, b"<< /Font << /F1 5 0 R >> >>"),
            stream(b"\n".join(ops)),
            FONT,
        ]
    )


def ruled_form(lines: int = 3000) -> bytes:
    """A form-like page whose labels make the pipeline ask pdfplumber for its tables, drawn
    over thousands of crossing ruling lines: find_tables meets millions of intersections."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(595, 842), invariant=1)
    canvas.setLineWidth(0.1)
    rng = random.Random(807)
    for _ in range(lines):
        y, x = rng.uniform(50, 800), rng.uniform(50, 545)
        canvas.line(50, y, 545, y)
        canvas.line(x, 50, x, 800)
    canvas.setFont("STSong-Light", 10)
    for i, label in enumerate(("房屋编号", "产权人", "房屋地址", "结构形式", "鉴定机构")):
        canvas.drawString(60, 780 - 20 * i, label)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def slow_scan(pages: int = 12) -> bytes:
    """Pages that are pictures of glyph-like marks: each one goes to OCR, seconds per page, so
    the whole file needs far more than a short parse deadline (the wall-clock kill path)."""
    from PIL import ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    rng = random.Random(879)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(595, 842), invariant=1)
    for _ in range(pages):
        image = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(image)
        for row in range(60):
            x = 60
            while x < 1180:
                w = rng.randint(12, 22)
                y = 60 + row * 27
                draw.rectangle((x, y, x + w, y + rng.randint(10, 20)), fill=rng.randint(0, 80))
                x += w + rng.randint(2, 10)
        buf = io.BytesIO()
        image.save(buf, "PNG")
        canvas.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 0, 0, 595, 842)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


# ---------------------------------------------------------------- active content


def open_action_js() -> bytes:
    return text_page_pdf(
        b"Active", catalog_extra=b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> "
    )


def launch_action() -> bytes:
    return text_page_pdf(b"Launch", catalog_extra=b"/OpenAction << /S /Launch /F (cmd.exe) >> ")


def additional_actions() -> bytes:
    return text_page_pdf(
        b"AA", catalog_extra=b"/AA << /WC << /S /JavaScript /JS (app.alert\\(2\\)) >> >> "
    )


def embedded_file() -> bytes:
    payload = b"MZ\x90\x00 pretend executable"
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 6 0 R >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(4, b"<< /Font << /F1 5 0 R >> >>"),
            stream(b"BT /F1 12 Tf 72 720 Td (Attached) Tj ET"),
            FONT,
            b"<< /Names [(evil.exe) 7 0 R] >>",
            b"<< /Type /Filespec /F (evil.exe) /EF << /F 8 0 R >> >>",
            stream(payload, b"/Type /EmbeddedFile "),
        ]
    )


# ---------------------------------------------------------------- encryption


def unknown_encryption() -> bytes:
    """An /Encrypt dictionary with a security handler no reader knows."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(4, b"<< /Font << /F1 5 0 R >> >>"),
        stream(b"BT /F1 12 Tf 72 720 Td (Locked) Tj ET"),
        FONT,
        b"<< /Filter /NoSuchHandler /V 9 /R 9 /Length 256 >>",
    ]
    return pdf(
        objects,
        trailer_extra=b"/Encrypt 6 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] ",
    )


def encrypted(user_password: str, owner_password: str = "owner") -> bytes:  # noqa: S107
    """A one-page reportlab PDF encrypted with these passwords (empty user = owner-only)."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    enc = StandardEncryption(user_password, owner_password, canPrint=0, canCopy=0)
    canvas = Canvas(out, encrypt=enc, invariant=1)
    canvas.drawString(72, 720, "protected report")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# ---------------------------------------------------------------- garbage and fuzz


def mutations(data: bytes, count: int, *, seed: int = 547) -> list[bytes]:
    """`count` copies of `data`, each with a few random byte flips, cuts or insertions."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            action = rng.random()
            at = rng.randrange(len(buf))
            if action < 0.6:
                buf[at] = rng.randrange(256)
            elif action < 0.8:
                del buf[at : at + rng.randint(1, 64)]
            else:
                buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        out.append(bytes(buf))
    return out


GARBAGE = {
    "zero_bytes": b"",
    "lone_header": b"%PDF-1.7",
    "eof_only": b"%%EOF",
    "header_and_eof": b"%PDF-1.7\n%%EOF\n",
    "random_bytes": bytes(random.Random(549).randrange(256) for _ in range(4096)),
    # Autofuzz-style: structure that looks right with nonsense values (pdfminer #547/#549/#550).
    "bad_xref": b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\nxref\n0 -5\nzz\ntrailer<</Size -1/Root 99 0 R>>\nstartxref\n-42\n%%EOF\n",
    "bad_types": b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages (str)>>endobj\n2 0 obj[/Kids 1 0 R]endobj\ntrailer<</Root 1 0 R/Size (x)>>\n%%EOF\n",
}


# ---------------------------------------------------------------- spoofing and polyglots


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "gray").save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "gray").save(out, "JPEG")
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
ZIP = (
    b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 16 + b"\x05\x00\x00\x00x.txt" + b"PK\x05\x06"
)


def zip_file(names: Sequence[str] = ("word/document.xml", "[Content_Types].xml")) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in names:
            z.writestr(name, "<xml/>")
    return out.getvalue()


SEVEN_ZIP = b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 24


def png_html_polyglot() -> bytes:
    """A valid PNG followed by an HTML page (Django's "user-uploaded content" example)."""
    return png_bytes() + HTML


def pdf_html_polyglot() -> bytes:
    """A %PDF- header inside an HTML comment: a valid PDF that a browser would render as HTML."""
    return b"<!--" + text_page_pdf(b"Polyglot") + b"-->" + HTML


def pdf_zip_polyglot() -> bytes:
    """A valid PDF with a ZIP archive appended (readers of either format accept it)."""
    return text_page_pdf(b"Polyglot") + zip_file(("payload.html",))


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)


def tiff_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "TIFF")
    return out.getvalue()


def gif_oversized_frame() -> bytes:
    """A GIF whose frame extents exceed its 1x1 canvas (CVE-2022-45198 shape)."""
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0, 0, 0)
    descriptor = b"," + struct.pack("<HHHHB", 0, 0, 30000, 30000, 0)
    return header + descriptor + b"\x02\x02\x44\x01\x00;"


PSD = b"8BPS\x00\x01" + b"\x00" * 6 + b"\x00\x03" + struct.pack(">II", 30000, 30000) + b"\x00\x08"
FITS = b"SIMPLE  =                    T" + b" " * 50 + b"END" + b" " * 77


# ---------------------------------------------------------------- image bombs


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_pixel_flood(width: int = 30000, height: int = 30000) -> bytes:
    """A ~1 KB PNG whose IHDR declares width x height pixels; the pixel data is never there."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + _chunk(b"IEND", b"")
    )


def jpeg_pixel_flood(width: int = 60000, height: int = 60000) -> bytes:
    """A tiny real JPEG whose SOF header is rewritten to declare width x height."""
    data = bytearray(jpeg_bytes((16, 16)))
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at >= 0:
            data[at + 5 : at + 9] = struct.pack(">HH", height, width)
            return bytes(data)
    raise AssertionError("no SOF marker in the generated JPEG")


def truncated_jpeg() -> bytes:
    data = jpeg_bytes((400, 300))
    return data[: len(data) // 2]


def jpeg_with_private_exif() -> bytes:
    """A photo with Orientation 6, GPS, a camera serial number and a MakerNote."""
    image = Image.new("RGB", (120, 60), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, 60, 60))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (35.0, 1.0, 2.0), 3: "E", 4: (111.0, 0.0, 3.0)}
    ifd = exif.get_ifd(0x8769)
    ifd[0xA431] = "SN-0042-SECRET"  # BodySerialNumber
    ifd[0x927C] = b"MAKERNOTE-SECRET"  # MakerNote
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


# ---------------------------------------------------------------- file names

HOSTILE_NAMES = [
    "../../etc/passwd.pdf",
    "..\\..\\x.pdf",
    "x.php%00.pdf",
    "x.php\x00.pdf",
    "a" * 300 + ".pdf",
    "report\u202efdp.exe.pdf",
    'a"b\r\nSet-Cookie: x=1;.pdf',
    "CON.pdf",
    "报告（最终版）😀.pdf",
    "/absolute/path.pdf",
]
