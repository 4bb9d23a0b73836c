"""``python -m geo_era.cli``: the ``geo-era`` command."""

from geo_era.cli import main

main()
