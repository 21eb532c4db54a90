// SPDX-License-Identifier: Apache-2.0
// Assembles the x86 paths' tables. Compiled with the project's generic flags: it only copies
// function pointers, it never runs any of the code it points to.
#include "kernels/x86/x86_kernels.h"

namespace nanollama::kernels {
namespace {

template <class... Fill>
KernelTable build(Isa isa, Fill... fill) {
  KernelTable t = scalar_table();  // anything a path does not provide stays scalar
  t.isa = isa;
  (fill(t), ...);
  return t;
}

}  // namespace

const KernelTable& avx2_table() noexcept {
  static const KernelTable t = build(Isa::avx2, fill_avx2_float, fill_avx2_quant);
  return t;
}

const KernelTable& avx512_table() noexcept {
  static const KernelTable t = build(Isa::avx512, fill_avx512_float, fill_avx512_quant);
  return t;
}

// VNNI only changes the integer kernels; the float ones are the AVX-512 ones.
const KernelTable& avx512vnni_table() noexcept {
  static const KernelTable t = build(Isa::avx512vnni, fill_avx512_float, fill_avx512_quant, fill_avx512vnni_quant);
  return t;
}

}  // namespace nanollama::kernels
