"""PortSight: supervision and remote-assist for port inspection."""

__version__ = "0.1.0"
