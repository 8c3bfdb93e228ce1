"""Build sitedir/admin/data/french_words.txt.gz: the most frequent French words, for the
password strength estimator (zxcvbn knows English words, not "soleil" or "chaton").

Source: the `wordfreq` package, version 3.1.1 on PyPI (its data: CC BY-SA 4.0, by Robyn
Speer and contributors; see the package's README for the corpora), installed for this
script only:

    pip install --target /tmp/wordfreq wordfreq==3.1.1
    PYTHONPATH=/tmp/wordfreq python tools/french_words.py

The list keeps, in frequency order, words of 3 letters or more, each also without its
accents (people type "ete" for "été"); the same input gives the same file.
"""

import gzip
import unicodedata
from pathlib import Path

import wordfreq

COUNT = 30_000
OUT = Path(__file__).resolve().parent.parent / "sitedir" / "admin" / "data" / "french_words.txt.gz"
HEADER = (
    f"# The {COUNT} most frequent French words (3 letters or more), most frequent first, each\n"
    "# followed by its unaccented form when it differs. Built by tools/french_words.py from\n"
    "# wordfreq 3.1.1 (PyPI; data CC BY-SA 4.0, Robyn Speer and contributors).\n"
)


def unaccented(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def main() -> None:
    words: list[str] = []
    seen: set[str] = set()
    for word in wordfreq.top_n_list("fr", COUNT * 2):
        if len(word) < 3 or not word.isalpha():
            continue
        for form in (word, unaccented(word)):
            if form not in seen:
                seen.add(form)
                words.append(form)
        if len(seen) >= COUNT:
            break
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same words give the same bytes.
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write((HEADER + "\n".join(words) + "\n").encode())
    print(f"{len(words)} words -> {OUT}")


if __name__ == "__main__":
    main()
