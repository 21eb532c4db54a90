# SPDX-License-Identifier: Apache-2.0
# libnanollama.so loaded the way Python's ctypes loads it (dlopen, nothing linked first):
# every dependency resolves, and the C API works on a real model file.
#   python3 dlopen_check.py LIBRARY MODEL.gguf VERSION
import ctypes
import sys

library, model_path, want_version = sys.argv[1:4]
lib = ctypes.CDLL(library)
lib.nl_version.restype = ctypes.c_char_p
lib.nl_build_commit.restype = ctypes.c_char_p
lib.nl_last_error.restype = ctypes.c_char_p
lib.nl_model_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
lib.nl_model_free.argtypes = [ctypes.c_void_p]

version = lib.nl_version().decode()
if version != want_version:
    sys.exit(f"nl_version() is {version!r}, expected {want_version!r}")

model = ctypes.c_void_p()
if lib.nl_model_load(b"/nonexistent.gguf", ctypes.byref(model)) == 0:
    sys.exit("loading a missing file succeeded")
if b"/nonexistent.gguf" not in lib.nl_last_error():
    sys.exit(f"error message does not name the file: {lib.nl_last_error()!r}")
status = lib.nl_model_load(model_path.encode(), ctypes.byref(model))
if status != 0 or not model.value:
    sys.exit(f"nl_model_load failed ({status}): {lib.nl_last_error().decode()}")
lib.nl_model_free(model)
# Only the C API is visible: internal C++ symbols are not.
try:
    getattr(lib, "_ZN9nanollama7versionEv")
    sys.exit("an internal C++ symbol is exported")
except AttributeError:
    pass
print(f"dlopen ok: nanollama {version} (commit {lib.nl_build_commit().decode()})")
