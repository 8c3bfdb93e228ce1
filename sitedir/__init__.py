"""sitedir: the referral directory of the French sites of a CAR-T trial in adult lupus.

Nothing is imported here, so that the domain (`sitedir.places`, `sitedir.domain.ranking`,
`sitedir.domain.vocabulary`, `sitedir.domain.clock`) loads without Flask; the app is built by
`sitedir.app.create_app`. docs/ARCHITECTURE.md describes the layout.
"""
