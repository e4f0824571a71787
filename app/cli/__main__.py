"""`python -m app.cli` runs `provisioner` (test and bench harnesses start workers this way)."""

from app.cli import main

main()
