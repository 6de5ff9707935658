"""Spreadsheets: reading messy .xlsx/.csv files safely (reader), recognising headers (mapping), turning cells into
clean values (cells) and writing workbooks (writer). No database and no UI here; crm_cli.importer and
crm_cli.exporter use these parts."""
