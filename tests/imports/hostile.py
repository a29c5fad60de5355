"""Hostile upload files, made in the test: XLSX parts written into a zip by hand (to control the declared
<dimension> and row numbers exactly), oversized cells, NUL bytes, other encodings."""

from __future__ import annotations

import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
HEADER = ("rater", "group", "department", "score")


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    return '<row r="1">' + "".join(_inline(f"{col}1", h) for col, h in zip("ABCD", HEADER, strict=True)) + "</row>"


def workbook(sheet_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def sheet(rows: str, dimension: str | None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{_SHEET_HEAD}{dim}<sheetData>{_header_row()}{rows}</sheetData></worksheet>".encode()


def million_rows(dimension: str | None = "A1:D1000000", rows: int = 1_000_000) -> bytes:
    """A header and `rows` - 1 rows of one number each (rows and cells unnumbered, as the format allows):
    about 100 KB packed."""
    return workbook(sheet("<row><c><v>1</v></c></row>" * (rows - 1), dimension))


def far_cell(dimension: str | None = "A1:XFD1048576") -> bytes:
    """A header and one value in the very last cell of a sheet, XFD1048576: about 1.7 KB."""
    return workbook(sheet('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', dimension))


def far_column(dimension: str | None = None) -> bytes:
    """A value in column XFD of row 2, the dimension absent."""
    return workbook(sheet('<row r="2"><c r="XFD2"><v>90</v></c></row>', dimension))


def oversized_inline_cell(chars: int = 140_000) -> bytes:
    row = '<row r="2">' + _inline("A2", "c_fgw") + _inline("B2", "sector_peers") + _inline("C2", "czj") \
        + _inline("D2", "9" * chars) + "</row>"
    return workbook(sheet(row, "A1:D2"))


def lying_sizes() -> bytes:
    """A zip whose sheet part unpacks to more than its declared size (a bomb in disguise)."""
    data = bytearray(workbook(sheet("", "A1:D1")))
    real = sheet('<row r="2"><c r="A2"><v>1</v></c></row>' * 1000, None)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                           ("xl/workbook.xml", _WORKBOOK), ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)):
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", real)
    data = bytearray(out.getvalue())
    # shrink the declared uncompressed size in the local header and the central directory
    size = len(real).to_bytes(4, "little")
    small = (200).to_bytes(4, "little")
    assert data.count(size) >= 2
    return bytes(data.replace(size, small))


def csv_with_long_cell(chars: int = 140 * 1024) -> bytes:
    return ("rater,group,department,score,comment\nc_fgw,sector_peers,czj,90," + "好" * chars + "\n"
            "c_fgw,sector_peers,tax,91,\n").encode()
