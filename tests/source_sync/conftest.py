"""The article's set-up (role "Office 365" holding an app, mapping member_of -> role) from the
provisioning tests, for the walkthrough whose people come from Active Directory."""

from tests.provisioning.conftest import o365

__all__ = ["o365"]
