"""The sandbox tenant: an in-process emulator of Microsoft Graph v1.0 and the Microsoft login
endpoints, used by tests, benchmarks and the first-run demo (see server.py for the entry points).
"""
