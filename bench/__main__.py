"""``python -m bench``: quality and speed, side by side with the anchors.

Subcommands: ``quality`` (default sets or any set given by files), ``speed``,
``conflation`` (CISTEM gold standards), ``all`` (quality + speed, writes
``bench/results/latest.json`` and ``BENCHMARKS.md``).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and not args[0].startswith("-") else "all"
    rest = args[1:] if args and not args[0].startswith("-") else args
    if command == "quality":
        from .quality import main as quality_main

        return quality_main(rest)
    if command == "conflation":
        from .conflation import main as conflation_main

        return conflation_main(rest)
    if command == "speed":
        from .speed import main as speed_main

        return speed_main(rest)
    if command == "all":
        from .report import main as report_main

        return report_main(rest)
    print(
        f"python -m bench: unknown command {command!r} (quality, speed, conflation, all)",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
