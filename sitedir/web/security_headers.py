"""Security headers on every response, and a strict Content-Security-Policy on HTML."""

from flask import Flask, request

# Pages are served with their scripts and styles from the app itself (the API docs' page
# too: it starts Swagger UI from a file, web/api_docs.py).
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)


def register_security_headers(app: Flask) -> None:
    """Add nosniff, Referrer-Policy, CSP on HTML (unless a view set its own) and HSTS."""
    hsts = app.config["HSTS_SECONDS"]
    # Built once: the headers every answer gets unless a view set its own.
    always: tuple[tuple[str, str], ...] = (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    )
    if hsts:
        always += (("Strict-Transport-Security", f"max-age={int(hsts)}"),)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()} if headers else ()
        for name, value in always:
            if name.lower() not in present:
                headers.add(name, value)
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
        if request.blueprint == "admin" or request.path.startswith("/admin"):
            # The admin page is never framed, not even by the app itself (clickjacking).
            headers["X-Frame-Options"] = "DENY"
            if "Content-Security-Policy" in headers:
                headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
                    "frame-ancestors 'self'", "frame-ancestors 'none'"
                )
        return response
