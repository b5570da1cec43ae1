"""Bulk data tools: `lrs import` (files of statements into a store, directly or over HTTP) and `lrs export`.

`importer.import_file` writes straight into a store's database, `remote.post_file` POSTs to any LRS,
`exporter.export_statements` streams a store's statements as NDJSON. `cli` registers the subcommands.
"""
