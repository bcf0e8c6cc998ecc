"""The web package: app factory, lifecycle, middlewares, routers, pages, templates, static files."""
