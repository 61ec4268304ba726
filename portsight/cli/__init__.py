"""Command-line entry points that need both sides (services and queries): `python -m portsight ...`."""
