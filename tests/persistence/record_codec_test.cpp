// The event record of format 3 (persistence/src/encoding.hpp; docs/storage-format.md, "Event record"): what
// record_writer writes, record_events reads back exactly, and a record cut anywhere or with bytes after its
// last event is malformed, never read past its end.
#include <random>

#include <gtest/gtest.h>

#include "encoding.hpp"

namespace casework::detail {
namespace {

struct written {
  std::string bytes;
  std::vector<record_view> events;   // views into `payloads`
  std::vector<std::string> payloads;
};

digest digest_of(int n) {
  digest d{};
  d.fill(static_cast<unsigned char>(n));
  return d;
}

// A record of `sizes.size()` events with payloads of those sizes (127 and 128 take one and two bytes of
// length; 16,384 three), chained on `previous`.
written record_of(const std::vector<std::size_t>& sizes, const digest& previous) {
  written w;
  for (std::size_t i = 0; i < sizes.size(); ++i) w.payloads.emplace_back(sizes[i], static_cast<char>('a' + i));
  record_writer r(previous, sizes.size());
  digest before = previous;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const digest h = chain_hash(before, w.payloads[i]);
    r.add(h, w.payloads[i]);
    w.events.push_back(record_view{before, h, w.payloads[i]});
    before = h;
  }
  w.bytes = r.bytes();
  return w;
}

std::vector<std::pair<std::uint64_t, record_view>> read_all(std::uint64_t first, std::string_view bytes,
                                                            bool& malformed) {
  std::vector<std::pair<std::uint64_t, record_view>> out;
  record_events r(first, bytes);
  std::uint64_t seq = 0;
  record_view v;
  while (r.next(seq, v)) out.emplace_back(seq, v);
  malformed = r.malformed();
  return out;
}

TEST(RecordCodec, WhatIsWrittenReadsBackEventByEventWithItsSeqAndChain) {
  for (const auto& sizes : std::vector<std::vector<std::size_t>>{
           {0}, {1}, {127}, {128}, {16384}, {3, 0, 128, 127, 16384, 5}, std::vector<std::size_t>(200, 9)}) {
    auto w = record_of(sizes, digest_of(7));
    bool malformed = true;
    auto read = read_all(41, w.bytes, malformed);
    EXPECT_FALSE(malformed);
    ASSERT_EQ(read.size(), sizes.size());
    for (std::size_t i = 0; i < read.size(); ++i) {
      EXPECT_EQ(read[i].first, 41 + i);
      EXPECT_EQ(read[i].second.previous, w.events[i].previous) << i;
      EXPECT_EQ(read[i].second.hash, w.events[i].hash) << i;
      EXPECT_EQ(read[i].second.payload, w.events[i].payload) << i;
    }
    auto last = last_in_record(41, w.bytes);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->first, 40 + sizes.size());
    bool is_last = false;
    auto second = event_in_record(41, w.bytes, 42, is_last);
    EXPECT_EQ(second.has_value(), sizes.size() >= 2);
    if (second) {
      EXPECT_EQ(is_last, sizes.size() == 2);
    }
    EXPECT_FALSE(event_in_record(41, w.bytes, 40, is_last)) << "before the record";
    EXPECT_FALSE(event_in_record(41, w.bytes, 41 + sizes.size(), is_last)) << "after it";
  }
}

// Every cut of a record, even between two events, and every record with a byte after its last event, is
// malformed; the events a cut record yields before that are exactly its first ones, never beyond its bytes.
TEST(RecordCodec, ARecordCutAnywhereOrWithBytesAfterItsLastEventIsMalformed) {
  auto w = record_of({5, 128, 0, 40}, digest_of(1));
  for (std::size_t cut = 0; cut < w.bytes.size(); ++cut) {
    const std::string part = w.bytes.substr(0, cut);
    bool malformed = false;
    auto read = read_all(1, part, malformed);
    EXPECT_TRUE(malformed) << "cut at " << cut;
    ASSERT_LT(read.size(), 4u) << cut;
    for (std::size_t i = 0; i < read.size(); ++i) {
      EXPECT_EQ(read[i].second.payload, w.events[i].payload) << cut;
      EXPECT_GE(read[i].second.payload.data(), part.data());
      EXPECT_LE(read[i].second.payload.data() + read[i].second.payload.size(), part.data() + part.size());
    }
    EXPECT_FALSE(last_in_record(1, part)) << cut;
  }
  for (char extra : {'\0', 'x'}) {
    bool malformed = false;
    auto read = read_all(1, w.bytes + extra, malformed);
    EXPECT_TRUE(malformed);
    EXPECT_EQ(read.size(), 4u) << "the events are read, then the byte after them is found";
    EXPECT_FALSE(last_in_record(1, w.bytes + extra));
  }
}

// Version 1 (format 2): one event under its own seq; unknown versions and a version 2 record without events
// are malformed. A count larger than the bytes could hold is refused before any event is read.
TEST(RecordCodec, VersionOneIsOneEventAndOtherVersionsAndEmptyRecordsAreMalformed) {
  std::string one(1, '\x01');
  one.append(32, '\x02');
  one.append(32, '\x03');
  one.append("{\"seq\":9}");
  bool malformed = true;
  auto read = read_all(9, one, malformed);
  EXPECT_FALSE(malformed);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].first, 9u);
  EXPECT_EQ(read[0].second.previous, digest_of(2));
  EXPECT_EQ(read[0].second.hash, digest_of(3));
  EXPECT_EQ(read[0].second.payload, "{\"seq\":9}");

  std::string empty(1, '\x02');
  empty.push_back('\0');   // no events
  empty.append(32, '\0');
  std::string huge(1, '\x02');
  huge.append("\xff\xff\xff\xff\x0f");   // 2^32 - 1 events in 40 bytes
  huge.append(35, '\0');
  for (const std::string& bad : {empty, huge, std::string("\x03") + one.substr(1), std::string()}) {
    read = read_all(1, bad, malformed);
    EXPECT_TRUE(malformed);
    EXPECT_TRUE(read.empty());
  }
}

// Random bytes after a valid version byte never read past the record, whatever they claim.
TEST(RecordCodec, RandomBytesNeverReadPastTheRecord) {
  std::mt19937 rng(20261207);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(1 + rng() % 200, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    bytes[0] = static_cast<char>(1 + rng() % 2);
    bool malformed = false;
    for (const auto& [seq, v] : read_all(1, bytes, malformed)) {
      ASSERT_GE(v.payload.data(), bytes.data());
      ASSERT_LE(v.payload.data() + v.payload.size(), bytes.data() + bytes.size());
    }
  }
}

}  // namespace
}  // namespace casework::detail
