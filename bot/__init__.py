"""reachout: a scheduled social-outreach worker for advocacy campaigns."""

__version__ = "0.1.0"
