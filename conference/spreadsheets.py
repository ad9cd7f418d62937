"""Spreadsheets we hand out (the participant list, the report's tables): typed cells that Excel and LibreOffice
sort, sum and filter (dates as dates, counts as numbers, shares as percentages), and a value typed by anyone must
never run as a formula in the organizer's Excel."""

import csv
import io
from datetime import date, datetime, time

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from conference.i18n import current_language

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Share(float):
    """A fraction shown as a percentage: Share(0.25) is stored as 0.25 and shown «25.0%»."""


def share(value: float | None) -> Share | None:
    return None if value is None else Share(value)


# What people read in each language; the stored value is the same serial number either way.
_DATE_FORMATS = {"ru": ("DD.MM.YYYY", "DD.MM.YYYY HH:MM"), "en": ("YYYY-MM-DD", "YYYY-MM-DD HH:MM")}
SHARE_FORMAT = "0.0%"
TIME_FORMAT = "HH:MM"
NARROWEST, WIDEST = 8, 60  # characters (Excel's default is 8.43); longer text wraps in its cell


def neutralize_formula(value):
    """For CSV, where every cell is text: one that a spreadsheet would run as a formula (=, +, -, @) is kept as
    text behind an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    """A CSV file as Excel with Russian regional settings opens it: semicolons and a byte-order mark; times as
    «YYYY-MM-DD HH:MM»; formulas kept as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows([neutralize_formula(cell.strftime("%Y-%m-%d %H:%M") if isinstance(cell, datetime) else cell)
                      for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(tables: list[tuple[str, list[str], list[list]]]) -> bytes:
    """A workbook of (title, header, rows) tables, a sheet each (add_table)."""
    workbook = Workbook(write_only=True)
    for title, header, rows in tables:
        add_table(workbook, title, header, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_table(workbook: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    """A sheet of a write-only workbook holding one table: the header row bold, frozen and filtered, columns as
    wide as their content. Values are typed by their Python type: str, int, float, Share, date, time and naive
    datetime (already in the event's time zone: Excel has no time zones); None leaves a cell empty."""
    sheet = workbook.create_sheet(_sheet_title(title))
    language = current_language()
    widths = [_width(value) for value in header]
    for row in rows:
        widths = [max(width, _width(value)) for width, value in zip(widths, row, strict=True)]
    # A write-only sheet writes its columns and panes with its first row: they are set before it.
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, NARROWEST), WIDEST)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, title, font=bold) for title in header])
    for row in rows:
        sheet.append([_typed(sheet, value, language) for value in row])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"


def _sheet_title(title: str) -> str:
    """Excel's limits on a sheet's name: 31 characters, none of []:*?/\\."""
    return title.translate({ord(character): " " for character in "[]:*?/\\"})[:31]


def _width(value) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, Share):
        return 6
    if value is None:
        return 0
    return max(len(line) for line in str(value).splitlines() or [""])


def _cell(sheet, value, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _typed(sheet, value, language: str):
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS):
            # openpyxl would store a leading = as a formula: text it stays, with Excel's own «this is text, even
            # if it looks like a formula» flag (quotePrefix) rather than an apostrophe in the value.
            cell = _cell(sheet, value, quotePrefix=True)
            cell.data_type = "s"
            return cell
        if len(value) > WIDEST or "\n" in value:
            return _cell(sheet, value, alignment=Alignment(wrap_text=True, vertical="top"))
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("a spreadsheet holds wall-clock times: convert to the event's time zone, then drop it")
        return _cell(sheet, value, number_format=_DATE_FORMATS.get(language, _DATE_FORMATS["en"])[1])
    if isinstance(value, date):
        return _cell(sheet, value, number_format=_DATE_FORMATS.get(language, _DATE_FORMATS["en"])[0])
    if isinstance(value, time):
        return _cell(sheet, value, number_format=TIME_FORMAT)
    if isinstance(value, Share):
        return _cell(sheet, float(value), number_format=SHARE_FORMAT)
    return value
