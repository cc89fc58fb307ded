#include "atp/app/flag_parsing.h"

#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::app {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseFrameRate, ReadsDecimalsFractionsAndNtscRates) {
  struct Case {
    std::string text;
    Rational expected;
  };
  for (const Case& c : std::vector<Case>{{"24", {24, 1}},
                                         {"25", {25, 1}},
                                         {"12.5", {25, 2}},
                                         {"23.976", {24000, 1001}},
                                         {"29.97", {30000, 1001}},
                                         {"59.94", {60000, 1001}},
                                         {"24000/1001", {24000, 1001}}}) {
    ASSERT_OK_AND_ASSIGN(Rational rate, ParseFrameRate(c.text));
    EXPECT_EQ(rate, c.expected) << c.text;
  }
}

TEST(ParseFrameRate, RefusesNonsense) {
  for (const std::string text : {"", "abc", "0", "-24", "24/0", "1/2/3", "300", "nan", "inf"}) {
    EXPECT_THAT(ParseFrameRate(text),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("frame rate")))
        << text;
  }
}

TEST(ParseFrameSize, ReadsWidthByHeight) {
  ASSERT_OK_AND_ASSIGN(auto size, ParseFrameSize("1920x1080"));
  EXPECT_EQ(size, std::make_pair(1920, 1080));
  for (const std::string text : {"1920", "1920x", "x1080", "0x10", "1920X1080", "a x b"}) {
    EXPECT_THAT(ParseFrameSize(text), StatusIs(absl::StatusCode::kInvalidArgument)) << text;
  }
}

TEST(ParseLanguageList, SplitsOnCommas) {
  ASSERT_OK_AND_ASSIGN(auto languages, ParseLanguageList("ja,en,fr"));
  EXPECT_EQ(languages, (std::vector<std::string>{"ja", "en", "fr"}));
  EXPECT_THAT(ParseLanguageList("ja,,en"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace atp::app
