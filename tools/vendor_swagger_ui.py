"""Vendor Swagger UI into sitedir/web/static/swagger-ui/ from npm's swagger-ui-dist.

    python tools/vendor_swagger_ui.py          # the newest 5.x
    python tools/vendor_swagger_ui.py 5.35.0   # one version

`npm pack` fetches the tarball (npm checks it against the registry's integrity). Only the
files the docs page loads are kept, with the licence, the NOTICE and the bundles' notices
of the third-party code inside them, byte for byte as published; SOURCE.json records the
version, the tarball's integrity, the DOMPurify version inside the bundle and each file's
SHA-256 (tests/test_openapi.py checks them). A bundle whose DOMPurify is older than 3 is
refused: 2.x has public advisories.
"""

import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "swagger-ui-dist"
DEST = Path(__file__).resolve().parent.parent / "sitedir" / "web" / "static" / "swagger-ui"
# flask-smorest's docs page loads the preset, the bundle and the stylesheet.
FILES = (
    "swagger-ui-bundle.js",
    "swagger-ui-bundle.js.LICENSE.txt",
    "swagger-ui-standalone-preset.js",
    "swagger-ui-standalone-preset.js.LICENSE.txt",
    "swagger-ui.css",
    "LICENSE",
    "NOTICE",
)
DOMPURIFY_VERSION = re.compile(rb'DOMPurify\.version="(\d+)\.(\d+)\.(\d+)"')


def dompurify_version(bundle: bytes) -> tuple[int, int, int]:
    """The DOMPurify version compiled into Swagger UI's bundle."""
    found = set(DOMPURIFY_VERSION.findall(bundle))
    if len(found) != 1:
        raise SystemExit(f"expected one DOMPurify version in the bundle, found {found}")
    return tuple(int(part) for part in found.pop())


def main(spec: str = "5") -> None:
    """Fetch swagger-ui-dist@spec and replace the vendored copy with it."""
    with tempfile.TemporaryDirectory() as tmp:
        packed = subprocess.run(
            ["npm", "pack", "--json", f"{PACKAGE}@{spec}"],
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        )
        info = json.loads(packed.stdout)[0]
        with tarfile.open(Path(tmp) / info["filename"]) as tar:
            contents = {name: tar.extractfile(f"package/{name}").read() for name in FILES}
    dompurify = dompurify_version(contents["swagger-ui-bundle.js"])
    if dompurify < (3, 0, 0):
        raise SystemExit(f"DOMPurify {dompurify} in {PACKAGE} {info['version']}: need 3 or later")
    DEST.mkdir(parents=True, exist_ok=True)
    for old in DEST.iterdir():
        old.unlink()
    for name, data in contents.items():
        (DEST / name).write_bytes(data)
    source = {
        "package": PACKAGE,
        "version": info["version"],
        "integrity": info["integrity"],
        "dompurify": ".".join(map(str, dompurify)),
        "vendored_by": "tools/vendor_swagger_ui.py",
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()},
    }
    (DEST / "SOURCE.json").write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
    print(f"{PACKAGE} {info['version']} (DOMPurify {source['dompurify']}) -> {DEST}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
