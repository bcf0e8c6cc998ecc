"""The PostGIS twin of the engine (GEO_CLSM_QUERY_BACKEND=postgis)."""
