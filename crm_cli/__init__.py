"""crm_cli: a terminal-first customer management system."""

__version__ = "0.1.0"
