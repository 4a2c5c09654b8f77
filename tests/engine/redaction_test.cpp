// R9.2: personal data is redacted by its path, wherever it appears: a case's fields, a command's input, fields
// copied into a linked case, lists appended to. One redactor serves the server and the auditors' tools.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "casework/redaction.hpp"

namespace casework {
namespace {

namespace json = boost::json;

const redactor& taipei_like() {
  static const redactor r(std::set<std::string>{"reporter.name", "reporter.phone", "location.address",
                                                "additional_reports.reporter.name"});
  return r;
}

TEST(Redaction, R9_2_APathIsPersonalWhenItEndsWithAPersonalPathAtASegmentBoundary) {
  const auto& r = taipei_like();
  EXPECT_TRUE(r.personal("reporter.name"));
  EXPECT_TRUE(r.personal("input.reporter.name"));
  EXPECT_TRUE(r.personal("fields.location.address"));
  EXPECT_FALSE(r.personal("reporter"));
  EXPECT_FALSE(r.personal("reporter.names"));
  EXPECT_FALSE(r.personal("xreporter.name")) << "only at a segment boundary";
  EXPECT_FALSE(r.personal("location.lat"));
}

TEST(Redaction, R9_2_FieldsAreRedactedInPlaceListsAtTheirOwnPathAndNullsStayNull) {
  auto fields = json::parse(R"({
      "reporter": {"name": "Citizen A", "phone": null, "email": "a@example.org"},
      "location": {"address": "No. 1, Roosevelt Rd", "lat": 25.01},
      "additional_reports": [{"reporter": {"name": "Citizen B"}}, {"reporter": {"name": "Citizen C"}}],
      "description": "lamp out"})").as_object();
  EXPECT_EQ(taipei_like().redact_fields(fields), 4u);
  EXPECT_EQ(fields.at("reporter").at("name"), redacted_text);
  EXPECT_TRUE(fields.at("reporter").at("phone").is_null()) << "a null discloses nothing";
  EXPECT_EQ(fields.at("reporter").at("email"), "a@example.org") << "not marked personal here";
  EXPECT_EQ(fields.at("location").at("address"), redacted_text);
  EXPECT_EQ(fields.at("location").at("lat"), 25.01);
  EXPECT_EQ(fields.at("additional_reports").at(1).at("reporter").at("name"), redacted_text);
  EXPECT_EQ(fields.at("description"), "lamp out");
}

TEST(Redaction, R9_2_AnEventsDataMembersAreItsOwnAndTheirContentsAreRedacted) {
  event e;
  e.type = event_type::command;
  e.data = json::parse(R"({"name": "create", "input": {"reporter": {"name": "Citizen A"}},
      "copies": [[{"reporter": {"phone": "0912000000"}}]]})").as_object();
  auto out = taipei_like().redact(e);
  EXPECT_EQ(out.data.at("name"), "create");
  EXPECT_EQ(out.data.at("input").at("reporter").at("name"), redacted_text);
  EXPECT_EQ(out.data.at("copies").at(0).at(0).at("reporter").at("phone"), redacted_text);
  EXPECT_EQ(e.data.at("input").at("reporter").at("name"), "Citizen A") << "the original is untouched";
}

}  // namespace
}  // namespace casework
