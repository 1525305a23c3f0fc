"""Exceptions a user can cause. The CLI prints their message and exits with code 2."""


class SelganError(Exception):
    """Base class for errors caused by user input (bad file, unknown class, missing model)."""


class BitstreamError(SelganError):
    """A .sgc file is truncated, altered, foreign, or needs another format version or model."""


class ModelNotFoundError(SelganError):
    """The named model is not in the zoo or its weights are not available locally."""


class UnknownClassError(SelganError):
    """A preserve set names a class the model's vocabulary does not have."""


class ImageError(SelganError):
    """An input is not a readable image, or has a shape we cannot use."""


class BudgetError(SelganError):
    """No file fits the byte budget asked for; the message names the smallest possible size."""


def run_script(main) -> None:
    """Run a `python -m` entry point the way the CLI runs a command: a user error is one line and exit code 2."""
    import sys

    try:
        main()
    except SelganError as exc:
        spec = getattr(sys.modules["__main__"], "__spec__", None)
        print(f"{spec.name if spec else sys.argv[0]}: error: {exc}", file=sys.stderr)
        sys.exit(2)
