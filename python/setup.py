# SPDX-License-Identifier: Apache-2.0
"""Builds libnanollama.so with CMake and puts it inside the package (next to __init__.py).

Settings (environment):
  NANOLLAMA_SOURCE_DIR   the repository's root (default: this folder's parent)
  NANOLLAMA_BUILD_DIR    the CMake build folder to use or reuse (default: build/cmake here);
                         pointing it at an existing build makes the step a quick no-op
  NANOLLAMA_CMAKE_ARGS   extra arguments for the configure step
  NANOLLAMA_JOBS         parallel build jobs (default: every CPU)
"""
import os
import shlex
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # building without wheel: no wheel tag to fix
    bdist_wheel = None

HERE = Path(__file__).resolve().parent
SONAME = "libnanollama.so.0"


def build_library() -> Path:
    source = Path(os.environ.get("NANOLLAMA_SOURCE_DIR", HERE.parent)).resolve()
    if not (source / "CMakeLists.txt").exists():
        raise SystemExit(f"nanollama: no CMakeLists.txt in {source}; set NANOLLAMA_SOURCE_DIR to the repository")
    build = Path(os.environ.get("NANOLLAMA_BUILD_DIR", HERE / "build" / "cmake")).resolve()
    configure = ["cmake", "-S", str(source), "-B", str(build), "-DNANOLLAMA_BUILD_SHARED=ON"]
    if not (build / "CMakeCache.txt").exists():
        configure += ["-DCMAKE_BUILD_TYPE=Release", "-DNANOLLAMA_BUILD_TESTS=OFF", "-DNANOLLAMA_BUILD_BENCH=OFF",
                      "-DNANOLLAMA_BUILD_TOOLS=OFF", "-DNANOLLAMA_BUILD_EXAMPLES=OFF"]
    configure += shlex.split(os.environ.get("NANOLLAMA_CMAKE_ARGS", ""))
    jobs = os.environ.get("NANOLLAMA_JOBS", str(os.cpu_count() or 1))
    subprocess.run(configure, check=True)
    subprocess.run(["cmake", "--build", str(build), "--target", "nanollama_shared", "-j", jobs], check=True)
    library = build / SONAME
    if not library.exists():
        raise SystemExit(f"nanollama: the build did not make {library}")
    return library


class BuildPyWithLibrary(build_py):
    """The usual build_py, then the shared library copied in under its SONAME."""

    def run(self) -> None:
        super().run()
        library = build_library()
        target = Path(self.build_lib) / "nanollama" / SONAME
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library.resolve(), target)  # the real file, not the symlink


cmdclass = {"build_py": BuildPyWithLibrary}

if bdist_wheel is not None:

    class PlatformWheel(bdist_wheel):
        """A wheel for this platform (it holds a .so) that any Python 3 can use (ctypes, no ABI)."""

        def finalize_options(self) -> None:
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            _, _, platform = super().get_tag()
            return "py3", "none", platform

    cmdclass["bdist_wheel"] = PlatformWheel

setup(cmdclass=cmdclass)
