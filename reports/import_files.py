"""CSV and XLSX bytes -> rows of cell text, bounded before and while parsing.

An upload is untrusted: its size, its rows, its columns, each cell, the workbook's declared parts and the
time spent are all limited, and every way it can be wrong ends in an ImportRejected that names the file
(never an exception of the parser, never memory or time without bound). XLSX is read by streaming the
first worksheet's XML: its declared <dimension> is checked first, but it may be absent or lie, so rows
and columns are also checked as they arrive, and reading stops at the first one over the limit.
"""

from __future__ import annotations

import csv
import io
import posixpath
import time
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError, XMLPullParser

from scoring.imports import ImportRejected, RowProblem

Table = list[tuple[int, dict[str, str]]]  # (line or row number, column -> cell text)


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 5 * 1024 * 1024  # the file as uploaded
    max_rows: int = 100_000  # rows of the sheet, header and blank rows included
    max_cols: int = 26  # A..Z: an import uses five
    max_cell: int = 4_000  # characters; a longer cell is cut to max_cell + 1 and its row refused
    max_xml_bytes: int = 48 * 1024 * 1024  # a workbook part, uncompressed, as the zip declares it
    max_parts: int = 1_000  # members of the zip
    seconds: float = 10.0  # parsing time


LIMITS = Limits()
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CHUNK = 64 * 1024


class _Stop(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message


def read_table(data: bytes, source: str, limits: Limits = LIMITS) -> Table:
    """CSV (UTF-8, with or without BOM; GBK as Excel in China writes it) or XLSX by content."""
    if len(data) > limits.max_bytes:
        raise _rejected(source, 1, f"the file is {len(data):,} bytes; at most {limits.max_bytes:,}")
    deadline = time.monotonic() + limits.seconds
    try:
        rows = _read_xlsx(data, limits, deadline) if data[:2] == b"PK" else _read_csv(data, limits, deadline)
    except _Stop as stop:
        raise _rejected(source, stop.line, stop.message) from None
    return _to_dicts(rows, source, limits)


def _rejected(source: str, line: int, message: str) -> ImportRejected:
    return ImportRejected([RowProblem(source, line, message)])


def _check_time(deadline: float, line: int) -> None:
    if time.monotonic() > deadline:
        raise _Stop(line, "reading the file took too long; split it into smaller files")


def _cut(text: str, limits: Limits) -> str:
    return text if len(text) <= limits.max_cell else text[: limits.max_cell + 1]


# -- CSV ----------------------------------------------------------------------------------------------


def _read_csv(data: bytes, limits: Limits, deadline: float) -> list[tuple[int, list[str]]]:
    if b"\x00" in data:
        raise _Stop(1, "the file holds NUL bytes: not a CSV in UTF-8 or GBK, nor an XLSX file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _Stop(1, "not a CSV in UTF-8 or GBK, nor an XLSX file")
    # no field can be longer than the file: the csv module's own limit (128 KiB) would otherwise raise
    # on a long cell, which is reported per row below instead
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    # a record's own first line (reader.line_num is its last one; a quoted comment may span several lines)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _Stop(start, f"not readable as CSV here: {exc}") from None
        if len(rows) >= limits.max_rows:
            raise _Stop(start, f"more than {limits.max_rows:,} rows; split the file")
        if len(record) > limits.max_cols and any(c.strip() for c in record[limits.max_cols:]):
            raise _Stop(start, f"{len(record)} columns; at most {limits.max_cols}")
        rows.append((start, [_cut(c, limits) for c in record[: limits.max_cols]]))
        start = reader.line_num + 1
        if len(rows) % 1024 == 0:
            _check_time(deadline, start)
    return rows


# -- XLSX ---------------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, limits: Limits, deadline: float) -> list[tuple[int, list[str]]]:
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        parts = book.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _Stop(1, f"cannot read the workbook: {exc}") from None
    if len(parts) > limits.max_parts:
        raise _Stop(1, f"cannot read the workbook: {len(parts)} parts; at most {limits.max_parts}")
    sizes = {p.filename: p.file_size for p in parts}
    try:
        sheet = _first_sheet(book, sizes, limits)
        shared = _shared_strings(book, sizes, limits, deadline) if "xl/sharedStrings.xml" in sizes else []
        return _sheet_rows(book, sheet, sizes, shared, limits, deadline)
    except _Stop:
        raise
    except (zipfile.BadZipFile, ParseError, OSError, ValueError, EOFError, KeyError, NotImplementedError,
            RuntimeError) as exc:  # a damaged part, bad XML, a CRC mismatch, an unsupported compression
        raise _Stop(1, f"cannot read the workbook: {str(exc)[:200]}") from None


def _stream(book: zipfile.ZipFile, name: str, sizes: dict[str, int], limits: Limits):
    """XML events of one part, `limits.max_xml_bytes` at most (declared and counted)."""
    if sizes[name] > limits.max_xml_bytes:
        raise _Stop(1, f"{name} unpacks to {sizes[name]:,} bytes; at most {limits.max_xml_bytes:,}")
    parser: XMLPullParser = XMLPullParser(events=("start", "end"))
    read = 0
    tail = b""
    with book.open(name) as part:
        while chunk := part.read(_CHUNK):
            read += len(chunk)
            if read > limits.max_xml_bytes:
                raise _Stop(1, f"{name} unpacks to more than {limits.max_xml_bytes:,} bytes")
            window = tail + chunk  # a declaration split across two chunks is still seen
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise _Stop(1, f"{name} declares a DOCTYPE or entities, which workbooks never do")
            tail = chunk[-8:]
            parser.feed(chunk)
            yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


def _first_sheet(book: zipfile.ZipFile, sizes: dict[str, int], limits: Limits) -> str:
    """The first worksheet's part, as the workbook and its relationships name it."""
    if "xl/workbook.xml" not in sizes:
        raise _Stop(1, "cannot read the workbook: no xl/workbook.xml (not an XLSX file?)")
    rid = None
    for event, el in _stream(book, "xl/workbook.xml", sizes, limits):
        if event == "end" and el.tag == f"{_MAIN}sheet":
            rid = el.get(f"{_REL}id")
            break
    target = None
    rels = "xl/_rels/workbook.xml.rels"
    if rid is not None and rels in sizes:
        for event, el in _stream(book, rels, sizes, limits):
            if event == "end" and el.tag == f"{_PKG_REL}Relationship" and el.get("Id") == rid:
                target = el.get("Target")
                break
    if target:
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if name in sizes:
            return name
    if "xl/worksheets/sheet1.xml" in sizes:
        return "xl/worksheets/sheet1.xml"
    raise _Stop(1, "cannot read the workbook: it has no worksheet")


def _shared_strings(book: zipfile.ZipFile, sizes: dict[str, int], limits: Limits, deadline: float) -> list[str]:
    strings: list[str] = []
    parts: list[str] = []
    depth_rph = 0  # phonetic runs (<rPh>) are not part of the text
    for event, el in _stream(book, "xl/sharedStrings.xml", sizes, limits):
        tag = el.tag
        if tag == f"{_MAIN}rPh":
            depth_rph += 1 if event == "start" else -1
        elif event == "end" and tag == f"{_MAIN}t" and not depth_rph:
            parts.append(el.text or "")
        elif event == "end" and tag == f"{_MAIN}si":
            strings.append(_cut("".join(parts), limits))
            parts = []
            el.clear()
            if len(strings) % 4096 == 0:
                _check_time(deadline, 1)
    return strings


def _column(ref: str) -> int:
    """'C7' -> 3; 0 when the reference holds no letters."""
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            n = n * 26 + ord(ch) - 96
        else:
            break
        if n > 1 << 20:
            break
    return n


def _row_number(ref: str) -> int:
    digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$")[:12]
    return int(digits) if digits.isdigit() else 0


def _number_text(text: str, limits: Limits) -> str:
    """A numeric cell as the person typed it would read: 90.0 -> '90'; anything odd stays as written."""
    if len(text) > 64:
        return _cut(text, limits)
    try:
        value = float(text)
    except ValueError:
        return text
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if value == value and abs(value) != float("inf") else text


def _count_rows(book: zipfile.ZipFile, name: str, sizes: dict[str, int], limits: Limits) -> None:
    """Refuse a sheet with too many rows before parsing any: count row tags in the unpacked bytes (C speed,
    ~0.1 s for a million rows, where parsing them would take seconds). A tag split across two chunks is
    caught by carrying the end of one chunk into the next; the parse below still counts for itself."""
    if sizes[name] > limits.max_xml_bytes:
        raise _Stop(1, f"{name} unpacks to {sizes[name]:,} bytes; at most {limits.max_xml_bytes:,}")
    found = 0
    tail = b""
    with book.open(name) as part:
        while chunk := part.read(16 * _CHUNK):
            window = tail + chunk
            found += window.count(b"<row") + window.count(b":row") - tail.count(b"<row") - tail.count(b":row")
            tail = window[-4:]
            if found > limits.max_rows:
                raise _Stop(limits.max_rows + 1, f"more than {limits.max_rows:,} rows; split the file")


def _sheet_rows(book: zipfile.ZipFile, name: str, sizes: dict[str, int], shared: list[str], limits: Limits,
                deadline: float) -> list[tuple[int, list[str]]]:
    rows: list[tuple[int, list[str]]] = []
    cells: dict[int, str] = {}
    row_no = 0
    col_no = 0
    in_data = False
    parent = None
    for seen, (event, el) in enumerate(_stream(book, name, sizes, limits)):
        if seen % 8192 == 0:  # by events, not rows: sparse row numbers or one huge row are timed too
            _check_time(deadline, row_no)
        tag = el.tag
        if event == "start":
            if tag == f"{_MAIN}row":
                declared = _row_digits(el.get("r"))
                row_no = declared if declared else row_no + 1
                if row_no > limits.max_rows:
                    raise _Stop(row_no if row_no <= 10**9 else limits.max_rows + 1,
                                f"more than {limits.max_rows:,} rows; split the file")
                cells, col_no = {}, 0
            elif tag == f"{_MAIN}dimension":
                _check_dimension(el.get("ref") or "", limits)
            elif tag == f"{_MAIN}sheetData":
                in_data, parent = True, el
                _count_rows(book, name, sizes, limits)  # after the declared dimension, before any row
            continue
        if not in_data:
            continue
        if tag == f"{_MAIN}c":
            ref = el.get("r") or ""
            col_no = _column(ref) or col_no + 1
            text = _cell_text(el, shared, limits)
            if text:
                if col_no > limits.max_cols:
                    raise _Stop(row_no, f"a value in column {ref or col_no}; at most {limits.max_cols} columns")
                cells[col_no] = text
        elif tag == f"{_MAIN}row":
            if cells:
                width = max(cells)
                rows.append((row_no, [cells.get(i, "") for i in range(1, width + 1)]))
            if parent is not None:
                parent.remove(el)  # keep nothing of rows already read
        elif tag == f"{_MAIN}sheetData":
            break
    return rows


def _row_digits(value: str | None) -> int:
    if value and value.isdigit() and len(value) <= 12:
        return int(value)
    return 0


def _check_dimension(ref: str, limits: Limits) -> None:
    last = ref.split(":")[-1]
    cols, rows = _column(last), _row_number(last)
    if rows > limits.max_rows:
        raise _Stop(1, f"the sheet declares {rows:,} rows ({ref[:40]}); at most {limits.max_rows:,}")
    if cols > limits.max_cols:
        raise _Stop(1, f"the sheet declares {cols:,} columns ({ref[:40]}); at most {limits.max_cols}")


def _cell_text(el, shared: list[str], limits: Limits) -> str:
    kind = el.get("t", "n")
    if kind == "inlineStr":
        return _cut("".join(t.text or "" for t in el.iter(f"{_MAIN}t")), limits).strip()
    value = el.find(f"{_MAIN}v")
    text = (value.text or "") if value is not None else ""
    if kind == "s":
        index = int(text) if text.isdigit() and len(text) < 12 else -1
        if not 0 <= index < len(shared):
            raise _Stop(1, f"cannot read the workbook: a cell names shared string {text[:20]!r}, which is absent")
        return shared[index].strip()
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE"
    if kind == "n":
        return _number_text(text.strip(), limits)
    return _cut(text, limits).strip()  # 'str' (a formula's text), 'e' (an error such as #N/A)


# -- rows -> column dicts -----------------------------------------------------------------------------


def _to_dicts(rows: list[tuple[int, list[str]]], source: str, limits: Limits) -> Table:
    rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
    if not rows:
        raise _rejected(source, 1, "the file is empty")
    names = [h.strip().lower()[:64] for h in rows[0][1]]
    if len(rows) == 1:
        raise _rejected(source, rows[0][0], "no rows after the header")
    # a short row leaves its missing cells empty, so they are reported, not a crash
    return [(n, {name: (r[i].strip() if i < len(r) else "") for i, name in enumerate(names)})
            for n, r in rows[1:]]
