"""The wheel is the runtime apps install: it must hold every file the runtime opens."""

import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _runtime_data_files() -> list[str]:
    """Files under kbpredict/ that are not Python code, relative to the package."""
    package = ROOT / "kbpredict"
    return sorted(p.relative_to(package).as_posix() for p in package.rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts)


def test_every_runtime_data_file_is_declared_as_package_data():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["kbpredict"]
    files = _runtime_data_files()
    assert "data/offensive.txt" in files and "models/default/model.onnx" in files
    missing = [f for f in files if not any(Path(f).match(p) and len(Path(f).parts) == len(Path(p).parts)
                                           for p in patterns)]
    assert not missing, f"not in the wheel (add to [tool.setuptools.package-data]): {missing}"


@pytest.mark.slow
def test_the_built_wheel_runs_the_shipped_model(tmp_path):
    pytest.importorskip("setuptools", minversion="77", reason="builds without network: needs pyproject's setuptools")
    # built from a copy of the package's sources (an in-tree build would reuse a stale build/)
    # without network (the environment's setuptools), unpacked, and run without the editable
    # install: only the wheel's own kbpredict is importable
    source = tmp_path / "source"
    shutil.copytree(ROOT / "kbpredict", source / "kbpredict", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(source)], check=True, cwd=tmp_path)
    [wheel] = tmp_path.glob("kbpredict-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    assert {f"kbpredict/{f}" for f in _runtime_data_files()} <= names
    assert not any(n.startswith(("train/", "export/", "bench/", "tests/")) for n in names)
    script = ("import kbpredict, sys; from kbpredict import Predictor; "
              "print(kbpredict.__file__); print(Predictor.load().suggest('thanks for the ', 3))")
    env = {"PYTHONPATH": f"{tmp_path / 'site'}:{sysconfig.get_paths()['purelib']}:{sysconfig.get_paths()['platlib']}",
           "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, cwd=tmp_path,
                            env=env)
    assert result.returncode == 0, result.stderr
    where, suggestions = result.stdout.splitlines()[:2]
    assert where.startswith(str(tmp_path / "site")) and "Suggestion(" in suggestions
