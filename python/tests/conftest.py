"""Shared fixtures: the CLI built beside the module (numbers are checked against it), fixed seeds."""
import os
import pathlib
import shutil
import subprocess
import warnings

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]

warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")


def _find_cli():
    path = os.environ.get("MANYCHAINS_CLI") or str(REPO / "build" / "dev" / "manychains")
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else shutil.which("manychains")


@pytest.fixture(scope="session")
def cli():
    """Runs the manychains CLI (`cli("sample", "--target", ...)`); skips where it is not built."""
    path = _find_cli()
    if path is None:
        pytest.skip("the manychains CLI is not built (set MANYCHAINS_CLI)")

    def run(*args):
        done = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done

    return run


@pytest.fixture(scope="session")
def repo():
    return REPO
