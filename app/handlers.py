"""Imports every module that registers job handlers, so a runner knows all job kinds."""

import app.mappings.service  # noqa: F401
