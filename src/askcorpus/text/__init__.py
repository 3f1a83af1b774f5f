"""Pure string algorithms: sentences, chunking, question terms, spelling. No I/O, no numpy."""
