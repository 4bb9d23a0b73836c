"""Where geo_era's packages are: the core in ``geo_era/``, and the HTTP adapter in the
top-level ``api/`` folder, installed as ``geo_era_api`` (never as a bare top-level
module named ``api``). Everything else is declared in ``pyproject.toml``."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["geo_era", "geo_era.*"]),
              "geo_era_api", "geo_era_api.routes"],
    package_dir={"geo_era_api": "api"},
)
