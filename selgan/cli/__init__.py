"""selgan command line: compress, decompress, info, compare, models, train, export, eval, bench, segment, app, eval-seg.

Each command lives in the module of its job (files, tools, segment) as an `_add_<command>` parser and a
handler; this module only assembles the parser and turns user errors into one line on stderr."""

from __future__ import annotations

import argparse
import sys
import warnings

from selgan.cli import files, segment, tools
from selgan.errors import SelganError


def main(argv: list[str] | None = None) -> int:
    """Entry point; user errors print one line on stderr and return 2."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    # Dotted overrides may follow options (`selgan train CFG --out D optim.steps=9`), which argparse
    # cannot split itself; anything else unknown is an error as usual.
    if extra and getattr(args, "run", None) is tools._train and all("=" in e and not e.startswith("-") for e in extra):
        args.overrides += extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.run(args)
    except SelganError as exc:
        print(f"selgan: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("selgan: interrupted", file=sys.stderr)
        return 130


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning (something dropped or assumed, e.g. metadata that did not fit) as one line, not a source line."""
    print(f"selgan: warning: {message}", file=sys.stderr)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """A command line as `selgan` reads it (for programs that show and run the same commands)."""
    return _parser().parse_args(argv)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="selgan", description="Selective generative image compression.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    for add in (*files.PARSERS, *tools.PARSERS[:4], segment.PARSERS[0], tools.PARSERS[4], segment.PARSERS[1]):
        add(sub)  # the order of `selgan --help`
    return parser
