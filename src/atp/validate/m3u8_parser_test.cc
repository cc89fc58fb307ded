#include "atp/validate/m3u8_parser.h"

#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseM3u8, ReadsAMultivariantPlaylist) {
  ASSERT_OK_AND_ASSIGN(M3u8Playlist playlist,
                       ParseM3u8("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
                                 "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",LANGUAGE=\"ja\",NAME="
                                 "\"日本語, main\",DEFAULT=YES,"
                                 "URI=\"audio_ja/playlist.m3u8\"\n"
                                 "# a comment\n"
                                 "#EXT-X-STREAM-INF:BANDWIDTH=4230400,CODECS=\"avc1.64001f,mp4a.40."
                                 "2\",RESOLUTION=1280x720,"
                                 "AUDIO=\"aac\"\r\n"
                                 "h264_720p/playlist.m3u8\n"));
  ASSERT_TRUE(playlist.is_multivariant());
  ASSERT_EQ(playlist.variants.size(), 1u);
  EXPECT_EQ(playlist.variants[0].line, 6);
  EXPECT_EQ(playlist.variants[0].uri, "h264_720p/playlist.m3u8");
  EXPECT_EQ(playlist.variants[0].attributes.at("CODECS"), "avc1.64001f,mp4a.40.2");
  EXPECT_EQ(playlist.variants[0].attributes.at("BANDWIDTH"), "4230400");
  ASSERT_EQ(playlist.media.size(), 1u);
  EXPECT_EQ(playlist.media[0].second.at("NAME"), "日本語, main");
  EXPECT_EQ(playlist.FindTag("EXT-X-VERSION")->value, "7");
}

TEST(ParseM3u8, ReadsAMediaPlaylistWithByteRanges) {
  ASSERT_OK_AND_ASSIGN(
      M3u8Playlist playlist,
      ParseM3u8("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI=\"init.mp4\"\n"
                "#EXTINF:6.006,\nseg_00001.m4s\n"
                "#EXT-X-BYTERANGE:1000@0\n#EXTINF:2.002,title\nall.m4s\n#EXT-X-ENDLIST\n"));
  EXPECT_FALSE(playlist.is_multivariant());
  ASSERT_EQ(playlist.segments.size(), 2u);
  EXPECT_DOUBLE_EQ(playlist.segments[0].duration_seconds, 6.006);
  EXPECT_FALSE(playlist.segments[0].byte_range.has_value());
  EXPECT_EQ(playlist.segments[1].byte_range, (std::pair<int64_t, int64_t>(1000, 0)));
  EXPECT_EQ(playlist.segments[1].line, 7);
  EXPECT_EQ(playlist.map->at("URI"), "init.mp4");
  EXPECT_NE(playlist.FindTag("EXT-X-ENDLIST"), nullptr);
}

TEST(ParseM3u8, RefusesWhatIsNotAPlaylist) {
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"", "must start with #EXTM3U"},
           {std::string("\x7f"
                        "ELF\x02\x01\x01",
                        7),
            "line 1: control character"},
           {"#EXTM3U\n" + std::string(100000, 'a') + "\n", "line 2: line is 100000 bytes long"},
           {"#EXTM3U\n#EXTINF:abc,\nseg.m4s\n", "line 2: EXTINF duration 'abc' is not a number"},
           {"#EXTM3U\n#EXTINF:-1,\nseg.m4s\n", "is not a number"},
           {"#EXTM3U\n#EXTINF:6,\n", "line 2: EXTINF without a URI"},
           {"#EXTM3U\nseg.m4s\n", "line 2: URI without a preceding EXTINF"},
           {"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1\n", "unterminated quoted"},
           {"#EXTM3U\n#EXT-X-STREAM-INF:bandwidth=1\nv.m3u8\n", "malformed attribute list"},
           {"#EXTM3U\n#EXT-X-STREAM-INF:A=1,A=2\nv.m3u8\n", "attribute A appears twice"},
           {"#EXTM3U\n#EXT-X-BYTERANGE:1@x\n", "malformed EXT-X-BYTERANGE"},
       }) {
    EXPECT_THAT(ParseM3u8(c.text),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.message;
  }
}

TEST(ParseM3u8, RefusesHugeInputBeforeReadingIt) {
  const std::string huge = "#EXTM3U\n" + std::string(kMaxPlaylistBytes, '#');
  EXPECT_THAT(ParseM3u8(huge),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the limit is")));
}

}  // namespace
}  // namespace atp::validate
