"""Spreadsheets we hand out (the participant list, the report's tables): a value typed by anyone must never run as
a formula in the organizer's Excel."""

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value):
    """For CSV, where every cell is text: one that a spreadsheet would run as a formula (=, +, -, @) is kept as
    text behind an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def text_cell(sheet, value):
    """For a write-only workbook, whose cells are typed: text stays text, so no apostrophe is needed, only
    Excel's own «this is text, even if it looks like a formula» flag (quotePrefix) for values that start like one."""
    if not (isinstance(value, str) and value.startswith(FORMULA_STARTS)):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would otherwise store a leading = as a formula
    cell.quotePrefix = True
    return cell


def header_cells(sheet, titles: list[str]) -> list:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells
