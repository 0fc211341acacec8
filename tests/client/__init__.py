"""Tests of the client SDK (msnp.client), the `msnp chat` and `msnp send` commands."""
