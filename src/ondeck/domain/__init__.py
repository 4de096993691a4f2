"""Pure logic: standard library only, no I/O, never reads the clock."""
