"""Bulk import from national systems (issue 5): CSV and XLSX files of incident records (and a ZIP
of the sheets' CSV files, for breakdown and document rows in CSV).

columns.py     the sheets and columns a file may have, and the code list of each coded column
parsing.py     reading a file into tables of text (CSV of any common encoding and delimiter, XLSX, ZIP of CSVs)
mapping.py     their columns → our fields, their values → our codes; remembered per participant
validation.py  each row checked with the web form's own rules (reporting/forms.py, the model,
               reporting/services/incidents.py, reporting/screening.py); a new record's cells by
               their remembered outcomes, and staged by the dry run as COPY text
writing.py     valid rows written as records in bulk (staged records by INSERT … SELECT from temporary
               tables, others by COPY and bulk UPDATE), with history, in one transaction
services.py    the batch's steps: upload, map, check (dry run), import, cancel
template.py    the template (XLSX with dropdowns, CSV) and the problem report spreadsheet
selectors.py   the batches a user may see
"""
