"""Figures, tables and demos that the chapter notebooks call (code in the package, not pasted in cells)."""
