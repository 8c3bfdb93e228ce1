"""A read-only FHIR R4 (4.0.1) API under /fhir, built from the directory's data.

definitions  the vocabulary: media type, systems, sitedir's extension and code system
resources    Location, Organization, PractitionerRole, ResearchStudy from the tables
catalogue    every resource, built once per version of the data
versions     meta.versionId and meta.lastUpdated, a new version when a resource changes
models       the table those versions are kept in
negotiation  which representation a client asked for (JSON of R4, or a 406)
params       reading parameter values (numbers, near, dates) strictly
search       the parameters of each type, how they match, _include and _revinclude
paging       searchset Bundles with self, next and previous links
capability   the CapabilityStatement and the extension's StructureDefinition
errors       OperationOutcome for every error, with its HTTP status
views        the routes
"""

from flask import Flask, current_app


def register_fhir(app: Flask, api=None) -> None:
    """Register the FHIR blueprint (a plain one: it is not part of the OpenAPI document,
    so `api` is unused)."""
    from sitedir.admin import csrf
    from sitedir.fhir import models  # noqa: F401 - the table, for migrations
    from sitedir.fhir.views import blp

    app.register_blueprint(blp)
    # Nothing under /fhir writes: a POST gets its 405 OperationOutcome, not a CSRF page.
    csrf.exempt(blp)
    # Searches cost more than reads: a stricter limit per client, inside the public budget.
    limiter = app.extensions["sitedir_limiter"]
    search = limiter.limit(lambda: current_app.config["RATELIMIT_FHIR_SEARCH"])
    app.view_functions["fhir.search_type"] = search(app.view_functions["fhir.search_type"])
