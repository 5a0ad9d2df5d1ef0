#!/usr/bin/env python3
"""Reads a report pack back with real readers, independently of Redress: an XLSX with openpyxl,
a DOCX with python-docx. Prints JSON.

usage: read_pack.py xlsx FILE   -> {"sheets": {name: [[cell, ...], ...]}}
       read_pack.py docx FILE   -> {"paragraphs": [text, ...], "tables": [[[cell, ...], ...], ...]}
"""
import json
import sys


def xlsx(path: str) -> dict:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    return {"sheets": {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}}


def docx(path: str) -> dict:
    import docx as python_docx

    document = python_docx.Document(path)
    return {
        "paragraphs": [p.text for p in document.paragraphs],
        "tables": [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables],
    }


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    print(json.dumps({"xlsx": xlsx, "docx": docx}[kind](path), ensure_ascii=False, default=str))
