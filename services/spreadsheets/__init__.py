"""Spreadsheet files, CSV and .xlsx: how Tablero writes them and how it reads them safely.

Nothing here knows about measures or observations: the conventions of the written text
(`dialect`), reading a file a person or a hostile client sent (`reading`), and writing the
files Tablero hands out (`writing`). Pure functions over bytes: no I/O beyond the file given.
"""
