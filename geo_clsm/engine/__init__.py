"""The immutable query engine: index, places, geocoding, nearest, batch; postgis/ its database twin."""
