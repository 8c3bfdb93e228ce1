"""The interactive API docs (/api/v1/docs) in Chromium: the vendored Swagger UI 5 renders
the OpenAPI document and sends a request under the strict CSP (no 'unsafe-inline'), with no
console error and nothing fetched from outside 127.0.0.1."""

from tests.browser.conftest import assert_all_local, screenshot


def test_swagger_ui_renders_the_api_under_its_csp(live, page_factory):
    page = page_factory(viewport={"width": 1280, "height": 900})
    problems = []

    def on_console(message):
        # Chromium asks every page for /favicon.ico (the app has none: a 404 the docs page
        # does not cause); any other error counts.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            problems.append(f"{message.text} ({message.location['url']})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(live.url + "/api/v1/docs")
    assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
    page.locator(".swagger-ui .info .title").wait_for()
    assert "sitedir" in page.locator(".swagger-ui .info .title").inner_text()
    # The operations are listed, and one opens with its parameters.
    nearest = page.locator(".opblock-summary-path[data-path='/api/v1/nearest']")
    nearest.first.wait_for()
    nearest.first.click()
    page.locator(".opblock.is-open .parameters").first.wait_for()
    assert page.locator(".opblock.is-open .parameters [data-param-name='q']").count() == 1
    # "Try it out" sends the request from the page (connect-src 'self') and shows the answer.
    opened = page.locator(".opblock.is-open")
    opened.locator(".try-out__btn").click()
    opened.locator("[data-param-name='q'] input").fill("Vichy")
    opened.locator(".execute").click()
    status = opened.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text() == "200"
    assert "Vichy" in opened.locator(".live-responses-table .microlight").first.inner_text()
    version = page.evaluate("window.versions.swaggerUI.version")
    assert version and int(version.split(".")[0]) >= 5
    screenshot(page, "api-docs.png")
    assert problems == []
    assert_all_local(page)
