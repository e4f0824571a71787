"""The article's set-up (an app on the sandbox, role "Office 365", mapping "Office 365
members"), shared with the provisioning tests."""

from tests.provisioning.conftest import o365

__all__ = ["o365"]
