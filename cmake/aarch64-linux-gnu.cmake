# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu and arm64
# multiarch libraries (scripts/test-arm64.sh installs them). Tests run through qemu-aarch64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Libraries and packages from the target's directories only; programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# pkg-config must read the arm64 .pc files, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
# Programs run with the arm64 multiarch loader and libc (libc6:arm64, /lib/ld-linux-aarch64.so.1).
# Not `-L /usr/aarch64-linux-gnu`: that loader (libc6-arm64-cross) with the multiarch
# libraries' libc hung in pthread_create. "max" has every extension qemu emulates, the dot
# product included.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-cpu;max)
