"""Transports: TCP connections that feed the codec and hand commands to controllers."""
