"""Pure ASGI middlewares: security headers and limits, compression, HTTP caching, request log."""
