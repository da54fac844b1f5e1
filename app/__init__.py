"""casp: certificate automation server."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("casp")
except PackageNotFoundError:  # a checkout run without being installed
    __version__ = "0+unknown"
