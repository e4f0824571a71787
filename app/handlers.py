"""Imports every module that registers job handlers, so a runner knows all job kinds."""

import app.apps.jobs
import app.directory.importer
import app.mappings.service
import app.provisioning.jobs
import app.provisioning.rules.jobs  # noqa: F401
