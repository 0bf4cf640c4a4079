"""Dataset inspection through datasets-server and the training-format diagnosis."""
