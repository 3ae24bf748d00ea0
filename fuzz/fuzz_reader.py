"""Coverage-guided fuzzing of the article reader and the extractor with atheris (by hand).

    pip install atheris
    python fuzz/fuzz_reader.py -max_total_time=600 -rss_limit_mb=4096 fuzz/corpus/
    python fuzz/fuzz_reader.py --read-only -runs=100000        # the reader alone: much faster

The first input byte picks how the file is named (.txt, .md, .html, .htm, .jsonl or an
unknown extension), the rest is the file's content. A crash (an exception that is not an
``InputError`` the reader returns, or a broken invariant: see ``fuzz/targets.py``) is saved by
libFuzzer as ``crash-<hash>``; replay it with ``python fuzz/fuzz_reader.py crash-<hash>``.
The same targets run in CI under hypothesis (``tests/test_fuzz_targets.py``).

atheris is optional: nothing else in kg or its tests needs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import atheris
except ImportError:  # pragma: no cover - a hand-run tool
    sys.exit("fuzz_reader.py needs atheris: pip install atheris")

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["targets", "kg"]):
    import targets

    import kg.extraction.pipeline  # noqa: F401 - instrumented here, used through targets
    import kg.rdf.mapping  # noqa: F401

READ_ONLY = "--read-only" in sys.argv


def test_one_input(data: bytes) -> None:
    if not data:
        return
    suffix = targets.SUFFIXES[data[0] % len(targets.SUFFIXES)]
    if READ_ONLY:
        targets.read_bytes(data[1:], suffix)
    else:
        targets.read_and_extract(data[1:], suffix)


def main() -> None:
    argv = [arg for arg in sys.argv if arg != "--read-only"]
    if not READ_ONLY:
        from kg.extraction import default_extractor

        default_extractor()  # load once, before fuzzing starts
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
