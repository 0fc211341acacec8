"""msnp: an MSN Messenger service (MSNP9 with MSNP8 fallback) and client SDK."""

__version__ = "0.1.0"
