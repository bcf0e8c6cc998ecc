"""HTML pages built in Python (to be moved to Jinja templates)."""
