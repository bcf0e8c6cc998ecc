"""Files for other tools: tables (csv, csv-fr, xlsx, formula-safe), HSDS, OGC items, indicator files."""
