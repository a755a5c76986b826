"""Counter sources: figures pulled from the systems where signatures are collected (DESIGN §7.3)."""
