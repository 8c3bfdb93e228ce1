"""Write the README's configuration tables from the settings table (sitedir/config.py).

    .venv/bin/python tools/settings_table.py          # rewrite README.md's tables
    .venv/bin/python tools/settings_table.py --check  # exit 1 if README.md is out of date

The tables sit between `<!-- settings:app -->` and `<!-- /settings:app -->` (and the same
for `server`); tests/test_docs.py fails while they differ from the table.
"""

import argparse
import sys
from pathlib import Path

from sitedir.config import with_tables

README = Path(__file__).resolve().parent.parent / "README.md"


def main() -> int:
    """Rewrite (or check) README.md; 0 when it holds the current tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    current = with_tables(text)
    if current == text:
        return 0
    if args.check:
        print("README.md's configuration tables are out of date: run tools/settings_table.py")
        return 1
    README.write_text(current, encoding="utf-8")
    print("README.md: configuration tables rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
