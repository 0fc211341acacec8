"""`msnp` command families. Each module exposes `register(subparsers)`; `msnp.cli` lists them."""
