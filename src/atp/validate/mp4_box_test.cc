#include "atp/validate/mp4_box.h"

#include <string>

#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

std::string BigEndian(uint64_t value, int width) {
  std::string bytes;
  for (int i = width - 1; i >= 0; --i) bytes.push_back(static_cast<char>(value >> (8 * i)));
  return bytes;
}

std::string Box(const std::string& type, const std::string& payload) {
  return BigEndian(8 + payload.size(), 4) + type + payload;
}

TEST(ParseBoxes, SplitsNestedBoxesWithOffsets) {
  const std::string moov = Box("moov", Box("mvhd", std::string(100, '\0')) + Box("trak", ""));
  const std::string file = Box("ftyp", "cmfc") + moov;
  ASSERT_OK_AND_ASSIGN(std::vector<Mp4Box> boxes, ParseBoxes(file));
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0].type, "ftyp");
  EXPECT_EQ(boxes[0].payload, "cmfc");
  EXPECT_EQ(boxes[1].offset, 12u);
  ASSERT_OK_AND_ASSIGN(std::vector<Mp4Box> children, ParseChildren(boxes[1]));
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(children[0].offset, 20u);
  EXPECT_EQ(children[1].type, "trak");
  EXPECT_EQ(children[1].offset, 128u);
  EXPECT_NE(FindBox(children, "trak"), nullptr);
  EXPECT_EQ(FindBox(children, "mdia"), nullptr);
}

TEST(ParseBoxes, ReadsLargeSizeAndToTheEndSize) {
  const std::string large = BigEndian(1, 4) + "mdat" + BigEndian(16 + 3, 8) + "abc";
  const std::string to_end = BigEndian(0, 4) + "mdat" + "rest";
  const std::string bytes = large + to_end;  // Boxes are views into it: it must outlive them.
  ASSERT_OK_AND_ASSIGN(std::vector<Mp4Box> boxes, ParseBoxes(bytes));
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0].payload, "abc");
  EXPECT_EQ(boxes[0].payload_offset, 16u);
  EXPECT_EQ(boxes[1].payload, "rest");
}

TEST(ParseBoxes, RefusesSizesThatDoNotFit) {
  struct Case {
    std::string bytes;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {BigEndian(100, 4) + "moov" + "short", "box 'moov' at offset 0: size 100 does not fit"},
           {BigEndian(4, 4) + "free", "size 4 does not fit (header 8 bytes"},
           {BigEndian(1, 4) + "mdat" + BigEndian(UINT64_MAX, 8), "size 18446744073709551615"},
           {BigEndian(1, 4) + "mdat" + "abc", "box 'mdat' at offset 0"},
           {std::string("\x00\x00\x00", 3), "truncated header"},
           {BigEndian(9, 4) + std::string("\x01\xff\x00\x7f", 4) + "x" + BigEndian(99, 4) + "\x02",
            "box at offset 9: truncated header"},
       }) {
    EXPECT_THAT(ParseBoxes(c.bytes),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.message;
  }
}

TEST(ParseChildren, RefusesAHeaderLongerThanThePayload) {
  ASSERT_OK_AND_ASSIGN(std::vector<Mp4Box> boxes, ParseBoxes(Box("stsd", "abc")));
  EXPECT_THAT(ParseChildren(boxes[0], 8),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("shorter than its fields")));
}

}  // namespace
}  // namespace atp::validate

namespace atp::validate {
namespace {

// Random bytes and random truncations of a valid tree: an error or boxes, never a crash or a
// read out of bounds (the sanitizer build checks the latter).
TEST(ParseBoxes, SurvivesGarbage) {
  uint64_t state = 0x9e3779b97f4a7c15;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(next() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(next() % 4 == 0 ? next() : next() % 40);
    absl::StatusOr<std::vector<Mp4Box>> boxes = ParseBoxes(bytes);
    if (!boxes.ok()) continue;
    for (const Mp4Box& box : *boxes) {
      EXPECT_LE(box.payload_offset + box.payload.size(), bytes.size());
      (void)ParseChildren(box, next() % 16);
    }
  }
}

}  // namespace
}  // namespace atp::validate
