// Runtime ISA selection for the scoring kernels: detect once, let tests and operators override.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "absl/base/internal/raw_logging.h"
#include "absl/strings/str_cat.h"
#include "libs/kernels/internal.h"
#include "libs/kernels/kernels.h"
#include "libs/kernels/simd_kernels.h"

namespace chatrec::kernels {
namespace {

Isa DetectFromCpu() {
  __builtin_cpu_init();
  // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
  return Isa::kScalar;
}

// The start-up choice: the CPU's best level, lowered by CHATREC_KERNEL_ISA if set.
Isa InitialIsa() {
  return internal::IsaFromEnv(std::getenv("CHATREC_KERNEL_ISA"), DetectedIsa());
}

// A function-local static so callers from other static initialisers see a chosen value; relaxed
// atomics suffice because the value is a self-contained enum.
std::atomic<Isa>& Active() {
  static std::atomic<Isa> active{InitialIsa()};
  return active;
}
// Make the choice (and any CHATREC_KERNEL_ISA warning) at start-up, not in the first request.
[[maybe_unused]] const bool g_chosen_at_startup = (Active(), true);

}  // namespace

Isa DetectedIsa() {
  static const Isa detected = DetectFromCpu();
  return detected;
}

Isa ActiveIsa() { return Active().load(std::memory_order_relaxed); }

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

absl::StatusOr<Isa> ParseIsa(const char* name) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (std::strcmp(name, IsaName(isa)) == 0) return isa;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown kernel ISA '", name, "' (want scalar, avx2 or avx512)"));
}

absl::Status SetIsaOverride(Isa isa) {
  if (static_cast<int>(isa) > static_cast<int>(DetectedIsa())) {
    return absl::FailedPreconditionError(absl::StrCat("this CPU does not support ", IsaName(isa),
                                                      " (best: ", IsaName(DetectedIsa()), ")"));
  }
  Active().store(isa, std::memory_order_relaxed);
  return absl::OkStatus();
}

namespace internal {

Isa IsaFromEnv(const char* env, Isa detected) {
  if (env == nullptr || *env == '\0') return detected;
  absl::StatusOr<Isa> wanted = ParseIsa(env);
  if (!wanted.ok()) {
    ABSL_RAW_LOG(WARNING, "CHATREC_KERNEL_ISA=%s not understood (scalar|avx2|avx512); using %s",
                 env, IsaName(detected));
    return detected;
  }
  if (static_cast<int>(*wanted) > static_cast<int>(detected)) {
    ABSL_RAW_LOG(WARNING, "CHATREC_KERNEL_ISA=%s: this CPU supports only %s; using %s", env,
                 IsaName(detected), IsaName(detected));
    return detected;
  }
  return *wanted;
}

const KernelTable& ActiveKernels() {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return kAvx512Kernels;
    case Isa::kAvx2:
      return kAvx2Kernels;
    case Isa::kScalar:
      break;
  }
  return kScalarKernels;
}

}  // namespace internal
}  // namespace chatrec::kernels
