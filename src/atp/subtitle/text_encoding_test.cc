#include "atp/subtitle/text_encoding.h"

#include <string>
#include <vector>

#include "atp/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::subtitle {
namespace {

using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(Utf8Text, AcceptsUtf8AndRemovesItsByteOrderMark) {
  ASSERT_OK_AND_ASSIGN(std::string_view text,
                       Utf8Text("1\n00:00:01,000 --> 00:00:02,000\n日本語\n", "ja.srt"));
  EXPECT_EQ(text, "1\n00:00:01,000 --> 00:00:02,000\n日本語\n");
  ASSERT_OK_AND_ASSIGN(text, Utf8Text("\xEF\xBB\xBFWEBVTT\n", "en.vtt"));
  EXPECT_EQ(text, "WEBVTT\n");
  ASSERT_OK_AND_ASSIGN(text, Utf8Text("", "empty.srt"));
  EXPECT_EQ(text, "");
}

TEST(Utf8Text, NamesTheEncodingItFound) {
  const std::string utf16le("\xFF\xFEW\0E\0B\0", 8);
  EXPECT_THAT(
      Utf8Text(utf16le, "en.vtt"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("en.vtt"), HasSubstr("UTF-16LE"), HasSubstr("save it as UTF-8"))));
  EXPECT_THAT(Utf8Text(std::string("\0W\0E\0B\0V\0T\0T", 12), "en.vtt"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-16BE (no byte-order")));
  EXPECT_THAT(Utf8Text(std::string("\xFF\xFE\0\0", 4), "x.srt"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-32LE")));
  // 「日本語」 in Shift_JIS.
  EXPECT_THAT(Utf8Text("1\n00:00:01,000 --> 00:00:02,000\n\x93\xFA\x96\x7B\x8C\xEA\n", "ja.srt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("Shift_JIS"), HasSubstr("byte 0x93 on line 3"))));
  // "café" in Windows-1252.
  EXPECT_THAT(Utf8Text("WEBVTT\n\n00:01.000 --> 00:02.000\ncaf\xE9\n", "fr.vtt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("Windows-1252"), HasSubstr("line 4"))));
}

TEST(Utf8Text, RefusesMalformedUtf8) {
  for (const std::string& bad : std::vector<std::string>{"\xC0\xAF",          // Overlong '/'.
                                                         "\xED\xA0\x80",      // A surrogate.
                                                         "\xF4\x90\x80\x80",  // Above U+10FFFF.
                                                         "\xE3\x81",          // Cut short.
                                                         std::string("a\0b", 3)}) {
    EXPECT_THAT(Utf8Text(bad, "x.srt"), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

}  // namespace
}  // namespace atp::subtitle
