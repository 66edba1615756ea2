"""Readers of every input an LA analyst has, into the tidy contracts of DESIGN section 3."""
