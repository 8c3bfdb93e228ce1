"""Studies imported from ClinicalTrials.gov records (API v2 JSON).

record.py      the record's shape, validated with marshmallow (errors name the field)
mapping.py     what the record's words mean here: statuses, roles, phases, study texts
placing.py     where a location stands: the offline gazetteer, by postcode and town
importer.py    plan the changes against the database, then apply them in one transaction
locations.py   one location read: its place, point, status and contacts, or why it is skipped
site_plans.py  which institution and site a location is; that site's creation or update
plan.py        what a plan holds, and the dry run's lines
fetch.py       read a record from ClinicalTrials.gov's API (off unless configured)
cli.py         the `flask studies` commands
"""
