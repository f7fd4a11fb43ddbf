"""`platform/` is a folder, never a package: the standard library's `platform` stays importable everywhere."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STDLIB_CHECK = (
    "import platform, sys; assert platform.__file__.startswith(sys.base_prefix), platform.__file__; "
    "print(platform.system())"
)


def test_platform_folder_has_no_init():
    assert not (ROOT / "platform" / "__init__.py").exists()


def stdlib_system() -> str:
    """platform.system() from an isolated interpreter (-I: no sys.path of ours, no cwd), surely the stdlib's."""
    code = "import platform; print(platform.system())"
    return subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_stdlib_platform_under_pytest():
    import platform

    assert platform.system() == stdlib_system() != ""
    assert platform.__file__.startswith(sys.base_prefix)


def test_stdlib_platform_from_repo_root():
    out = subprocess.run([sys.executable, "-c", STDLIB_CHECK], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == stdlib_system() != ""


def test_stdlib_platform_in_manage_py():
    code = (
        "import runpy, sys; sys.argv = ['manage.py', 'check']; "
        f"runpy.run_path('manage.py', run_name='__main__'); {STDLIB_CHECK}"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "System check identified no issues" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == stdlib_system()  # the STDLIB_CHECK after manage.py really ran


def test_core_packages_import_from_platform_folder():
    import core
    import worker

    assert Path(core.__file__).parent.parent == ROOT / "platform"
    assert Path(worker.__file__).parent.parent == ROOT
