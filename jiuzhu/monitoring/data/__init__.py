"""Data files of the monitoring app (the linkage model); a package so that they are installed with it."""
