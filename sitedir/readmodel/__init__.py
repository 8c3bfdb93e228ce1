"""The public read model: one entry per site, rebuilt only when that site's version moves.

Every public answer is a projection of it: the JSON API (a site's stored public form,
`snapshot.py`), nearest (its spatial index), the widget's map markers, FHIR
(`sitedir/fhir/catalogue.py`'s projection, updated entry by entry) and vCards. The write
service (`sitedir/directory/changes.py`) is the only way to move a version; this package
only reads. What depends on the moment of the answer (`stale`, `distance_km`) is added by
each answer and never stored. docs/ARCHITECTURE.md, "The read model", lists its
invariants.
"""
