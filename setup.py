"""Ships the top-level `alembic/` directory inside the wheel as the `app.migrations` package.

The project keeps its migrations at the top level (env and versions, where Alembic users look
for them), while an installed wheel (the container image) must still carry them. A package
directory mapping does that without a copy; pyproject.toml's declarative config cannot combine
automatic package discovery with a mapped directory, hence this small file.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["app", "app.*", "workers", "workers.*"]),
        "app.migrations",
        "app.migrations.versions",
    ],
    package_dir={"app.migrations": "alembic"},
    package_data={
        "app": ["py.typed", "data/*.csv"],
        "app.migrations": ["*.py", "*.mako"],
        "app.migrations.versions": ["*.py"],
    },
)
