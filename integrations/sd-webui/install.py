# SPDX-License-Identifier: Apache-2.0
# Run by the web UI when it loads the extension: says how to install nanollama when the web
# UI's Python lacks it (nothing is installed from PyPI behind the user's back).
try:
    import nanollama  # noqa: F401
except ImportError:
    print("DanTagGen (nanollama): the nanollama package is missing from the web UI's Python; see docs/PYTHON.md"
          " in the nanollama repository (pip install --no-build-isolation nanollama/python)")
