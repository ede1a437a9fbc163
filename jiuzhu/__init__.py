"""jiuzhu (救助): a platform for stratified and classified social assistance."""
