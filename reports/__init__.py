"""Rendering and file formats: the report as a table, CSV, JSON, XLSX and chart, its labels, and the reading
of imported CSV/XLSX files. Used by the CLI and the chat alike; imports only `scoring` of ours."""
