"""Build hook: the wheel carries templates/, mkdocs.yml, docs/ and kit/ as package data.

They stay at the top level of this repository (where the team edits them) and are copied into
`generator/_shipped/` of the built package, where `generator/shipped.py` finds them once installed.
Everything else is declared in pyproject.toml.
"""

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "generator"))
from shipped import PACKAGED, SHIPPED  # noqa: E402  (a leaf module: no dependencies needed)

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


class BuildWithShipped(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them in place
        target = Path(self.build_lib) / "generator" / PACKAGED
        for name in SHIPPED:
            src = HERE / name
            if src.is_dir():
                shutil.copytree(src, target / name, ignore=IGNORE, dirs_exist_ok=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / name)


setup(cmdclass={"build_py": BuildWithShipped})
