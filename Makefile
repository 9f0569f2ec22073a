# Anode is built with GNU make: GNU make reads GNUmakefile first and never
# looks at this file. Any other make (BSD make, for instance) lands here.
all .DEFAULT:
	@echo "Anode needs GNU make. Run 'gmake $@' instead (install it with your package manager)." >&2
	@false
