// Tests for ISA dispatch: names, overrides, and the CHATREC_KERNEL_ISA parsing rules.
#include "gtest/gtest.h"
#include "libs/kernels/internal.h"
#include "libs/kernels/kernels.h"
#include "libs/kernels/test_util.h"

namespace chatrec::kernels {
namespace {

TEST(DispatchTest, NamesRoundTrip) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    absl::StatusOr<Isa> parsed = ParseIsa(IsaName(isa));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, isa);
  }
  EXPECT_EQ(ParseIsa("sse9").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DispatchTest, OverrideAcceptsEveryDetectedLevelAndRejectsMore) {
  std::printf("detected %s, active %s\n", IsaName(DetectedIsa()), IsaName(ActiveIsa()));
  const Isa saved = ActiveIsa();
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    const absl::Status status = SetIsaOverride(isa);
    if (static_cast<int>(isa) <= static_cast<int>(DetectedIsa())) {
      EXPECT_TRUE(status.ok()) << status;
      EXPECT_EQ(ActiveIsa(), isa);
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
    }
  }
  ASSERT_TRUE(SetIsaOverride(saved).ok());
}

TEST(DispatchTest, EnvironmentCanOnlyLowerTheLevel) {
  EXPECT_EQ(internal::IsaFromEnv(nullptr, Isa::kAvx2), Isa::kAvx2);
  EXPECT_EQ(internal::IsaFromEnv("", Isa::kAvx2), Isa::kAvx2);
  EXPECT_EQ(internal::IsaFromEnv("scalar", Isa::kAvx2), Isa::kScalar);
  EXPECT_EQ(internal::IsaFromEnv("avx512", Isa::kAvx2), Isa::kAvx2);  // CPU lacks it
  EXPECT_EQ(internal::IsaFromEnv("bogus", Isa::kAvx512), Isa::kAvx512);
  EXPECT_EQ(internal::IsaFromEnv("avx2", Isa::kAvx512), Isa::kAvx2);
}

}  // namespace
}  // namespace chatrec::kernels
