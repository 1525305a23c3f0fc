"""Pretrained model table (pretrained/manifest.json) and loading by name with sha256 checks."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from selgan.errors import ModelNotFoundError

# The shipped models: pretrained/ of a source checkout, else selgan/pretrained inside an installed wheel.
_CHECKOUT = Path(__file__).resolve().parent.parent / "pretrained"
PRETRAINED_DIR = (
    _CHECKOUT if (_CHECKOUT / "manifest.json").is_file() else Path(__file__).resolve().parent / "pretrained"
)
CACHE_DIR = Path(os.environ.get("SELGAN_CACHE", Path.home() / ".cache" / "selgan"))


@dataclass(frozen=True)
class ModelSpec:
    """One shipped model: its weights file, checksum, card and where to fetch it if absent."""

    name: str
    file: str
    sha256: str
    card: str
    description: str
    url: str | None = None
    kind: str = "codec"  # "codec", "segmenter" or "baseline" (a learned codec eval compares against)
    segmenter: str | None = None  # codecs: the segmenter that labels images when no labels are given
    preserve: tuple[str, ...] = ()  # selective codecs: the preserve set they were tuned for ('default')
    default: bool = False  # the codec the CLI and the app use when none is named
    priority: tuple[str, ...] = ()  # selective codecs: the order in which a byte budget preserves classes

    @property
    def short_hash(self) -> bytes:
        """The 4 bytes of the sha256 that .sgc headers carry."""
        return bytes.fromhex(self.sha256[:8])


def models_dir() -> Path:
    """The folder of models in use: $SELGAN_HOME (a manifest.json and the weights it names) if set, else the
    shipped ones (PRETRAINED_DIR). SELGAN_PRETRAINED is the older name of SELGAN_HOME."""
    home = os.environ.get("SELGAN_HOME") or os.environ.get("SELGAN_PRETRAINED")
    return Path(home).expanduser() if home else PRETRAINED_DIR


def manifest_path() -> Path:
    """The manifest in use: models_dir()/manifest.json."""
    return models_dir() / "manifest.json"


@lru_cache(maxsize=4)
def _read_manifest(path: Path) -> dict[str, ModelSpec]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return {
        name: ModelSpec(name=name, **{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
        for name, fields in data.get("models", {}).items()
    }


def specs(kind: str | None = None) -> dict[str, ModelSpec]:
    """Every model the manifest lists (of one kind, if given), by name."""
    table = _read_manifest(manifest_path())
    return {name: spec for name, spec in table.items() if kind is None or spec.kind == kind}


def get_spec(name: str, kind: str | None = None) -> ModelSpec:
    """The spec of a named model (of one kind, if given), or ModelNotFoundError listing the known names."""
    table = specs(kind)
    if name not in table:
        known = ", ".join(sorted(table)) or "none installed"
        what = f"{kind} models" if kind else "models"
        raise ModelNotFoundError(f"unknown model {name!r}; known {what}: {known}")
    return table[name]


def default_codec() -> str:
    """The codec the manifest marks as default (else the first it lists); ModelNotFoundError when there is none."""
    codecs = specs("codec")
    if not codecs:
        raise ModelNotFoundError(f"no pretrained codecs are installed (manifest: {manifest_path()})")
    return next((name for name, spec in codecs.items() if spec.default), next(iter(codecs)))


def weights_path(spec: ModelSpec) -> Path:
    """Local weights file for a spec, downloading it (when a URL is known) into the cache; sha256-checked."""
    for folder in (manifest_path().parent, CACHE_DIR):
        candidate = folder / spec.file
        if candidate.is_file():
            break
    else:
        candidate = _download(spec)
    actual = sha256_file(candidate)
    if actual != spec.sha256:
        raise ModelNotFoundError(
            f"{candidate}: sha256 {actual[:12]}… does not match the manifest's {spec.sha256[:12]}… "
            "(file damaged or replaced; delete it and fetch it again)"
        )
    return candidate


def _download(spec: ModelSpec) -> Path:
    if not spec.url:
        raise ModelNotFoundError(
            f"weights {spec.file} for {spec.name!r} are not in {manifest_path().parent} or {CACHE_DIR}, "
            "and no download URL is known"
        )
    import torch.hub

    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    target = CACHE_DIR / spec.file
    try:
        torch.hub.download_url_to_file(spec.url, str(target), hash_prefix=spec.sha256[:8], progress=True)
    except Exception as exc:  # network errors come in many types; the user needs one message
        raise ModelNotFoundError(f"could not download {spec.name!r} from {spec.url}: {exc}") from None
    return target


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def update_manifest(path: Path, name: str, file: str, sha: str, card: str, description: str, **extra) -> None:
    """Add or replace one entry of pretrained/manifest.json; fields set by hand (default, priority) are kept."""
    manifest = json.loads(path.read_text()) if path.exists() else {"models": {}}
    kept = {k: v for k, v in manifest["models"].get(name, {}).items() if k in ("default", "priority")}
    manifest["models"][name] = {
        "file": file,
        "sha256": sha,
        "card": card,
        "description": description,
        "url": None,
        **kept,
        **extra,
    }
    path.write_text(json.dumps(manifest, indent=2) + "\n")
