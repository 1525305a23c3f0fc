"""An installed wheel, away from the source tree, finds its models and compresses the demo photo."""

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT


def test_the_wheel_lists_every_package():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "selgan").rglob("__init__.py")}
    assert found | {"selgan.pretrained"} == listed


@pytest.mark.slow  # builds a 45 MB wheel
def test_an_installed_wheel_finds_its_models_and_compresses(tmp_path):
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path / "dist")], check=True)
    wheel = next((tmp_path / "dist").glob("selgan-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "selgan/pretrained/manifest.json" in names and "selgan/assets/dashcam.png" in names
    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "-q", "--target", str(site), str(wheel)], check=True)
    # Outside the checkout, with the installed package first on the path (dependencies from this environment).
    env = {k: v for k, v in os.environ.items() if k not in ("SELGAN_HOME", "SELGAN_PRETRAINED")}
    env.update(PYTHONPATH=str(site), HF_HUB_OFFLINE="1")
    photo = site / "selgan" / "assets" / "dashcam.png"

    def selgan(*args: str, **extra) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "selgan", *args],
            cwd=tmp_path,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=600,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import selgan.zoo as z; print(z.manifest_path())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(site)  # the wheel's own models, not the checkout's
    done = selgan("compress", str(photo), "-o", "photo.sgc", "--preserve", "default")
    assert done.returncode == 0, done.stderr
    assert selgan("decompress", "photo.sgc", "-o", "photo.png").returncode == 0
    assert (tmp_path / "photo.png").stat().st_size > 0
    elsewhere = selgan("compress", str(photo), "-o", "other.sgc", SELGAN_HOME=str(tmp_path / "empty"))
    assert elsewhere.returncode == 2 and "no pretrained codecs are installed" in elsewhere.stderr
