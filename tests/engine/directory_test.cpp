// The agency directory (R2.1, R2.2, R4.4): shipped directories load and cover their item tables; every rule
// violation names the file, field and rule, and never a person's name or contact address.
#include "casework/directory.hpp"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "casework/item_table.hpp"

namespace casework {
namespace {

namespace json = boost::json;

json::value load_json(const std::string& relative) {
  std::ifstream in(std::string(CASEWORK_WORKFLOWS_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return json::parse(s.str());
}

json::object person_json(const std::string& id, const std::string& unit, json::array roles, int n) {
  const std::string phone = "+886-2-0000-" + std::to_string(1000 + n);
  return json::object{{"id", id},
                      {"name", "Person " + std::to_string(n)},
                      {"unit", unit},
                      {"roles", std::move(roles)},
                      {"channels", json::object{{"phone", phone}, {"email", id + "@example.invalid"}}}};
}

// A valid dispatch agency "a": liaison window a-liaison (people[0] supervisor), dispatch window a-dispatch
// (people[1] manager, people[2] operator), field unit a-field (people[3] handler); people 0-3 are the 4
// emergency contacts.
json::value valid_doc() {
  json::array people{
      person_json("a-sup", "a-liaison", {"supervisor", "emergency_contact"}, 1),
      person_json("a-dm", "a-dispatch", {"dispatch_manager", "emergency_contact"}, 2),
      person_json("a-op", "a-dispatch", {"dispatch_operator", "duty_officer", "emergency_contact"}, 3),
      person_json("a-h", "a-field", {"handler", "emergency_contact"}, 4)};
  json::array units{json::object{{"id", "a-liaison"}, {"name", "Liaison"}, {"kind", "liaison_window"}},
                    json::object{{"id", "a-dispatch"}, {"name", "Dispatch"}, {"kind", "dispatch_window"}},
                    json::object{{"id", "a-field"}, {"name", "Field"}, {"kind", "field"}}};
  json::object a{{"id", "a"},       {"name_zh", "甲局"},      {"name_en", "Agency A"},
                 {"dispatch", true}, {"units", std::move(units)}, {"people", std::move(people)}};
  return json::object{{"version", 1}, {"agencies", json::array{std::move(a)}}};
}

json::object& agency0(json::value& doc) { return doc.at("agencies").at(0).as_object(); }
json::object& person_at(json::value& doc, std::size_t i) {
  return agency0(doc).at("people").at(i).as_object();
}
json::array& roles(json::value& doc, std::size_t i) { return person_at(doc, i).at("roles").as_array(); }

error failure(const json::value& doc) {
  auto d = directory::from_json(doc, "directory.json");
  if (d) return error(errc::internal, "(parsed)");
  EXPECT_EQ(errc::invalid_definition, d.error().code());
  return d.error();
}

TEST(Directory, ValidDocumentParses) {
  auto d = directory::from_json(valid_doc(), "directory.json");
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(1, d->version());
  ASSERT_NE(nullptr, d->find("a"));
  EXPECT_TRUE(d->find("a")->dispatch);
  EXPECT_EQ(nullptr, d->find("b"));
  ASSERT_NE(nullptr, d->find_person("a-op"));
  EXPECT_EQ("a-dispatch", d->find_person("a-op")->unit);
  auto contacts = d->resolve("a", "emergency_contact");
  ASSERT_EQ(4u, contacts.size());
  EXPECT_EQ("a-sup", contacts[0]->id);
  EXPECT_EQ("a-h", contacts[3]->id);
  EXPECT_TRUE(d->resolve("b", "handler").empty());
}

TEST(Directory, R2_1_LiaisonWindowNeedsASupervisor) {
  json::value doc = valid_doc();
  roles(doc, 0) = {"liaison", "emergency_contact"};
  const error e = failure(doc);
  EXPECT_EQ("directory.json: agencies[0].units[0]", e.field());
  EXPECT_EQ("liaison window \"a-liaison\" has no supervisor", e.message());
  EXPECT_EQ("R2.1", e.rule());
}

TEST(Directory, R2_1_EveryAgencyHasExactlyOneLiaisonWindow) {
  json::value doc = valid_doc();
  agency0(doc).at("units").at(0).as_object()["kind"] = "intake";
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].units: no unit of kind liaison_window (R2.1)",
            failure(doc).to_string());
  doc = valid_doc();
  agency0(doc).at("units").at(2).as_object()["kind"] = "liaison_window";
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].units[2]: a second liaison_window unit (R2.1)",
            failure(doc).to_string());
}

TEST(Directory, R2_2_DispatchWindowNeedsExactlyOneManager) {
  json::value doc = valid_doc();
  roles(doc, 2).push_back("dispatch_manager");
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].units[1]: dispatch window \"a-dispatch\" needs "
            "exactly one dispatch_manager, found 2 (R2.2)",
            failure(doc).to_string());
  doc = valid_doc();
  roles(doc, 1) = {"supervisor", "emergency_contact"};
  EXPECT_EQ("dispatch window \"a-dispatch\" needs exactly one dispatch_manager, found 0",
            failure(doc).message());
}

TEST(Directory, R2_2_DispatchWindowNeedsAnOperator) {
  json::value doc = valid_doc();
  roles(doc, 2) = {"duty_officer", "emergency_contact"};
  const error e = failure(doc);
  EXPECT_EQ("dispatch window \"a-dispatch\" needs at least one dispatch_operator", e.message());
  EXPECT_EQ("R2.2", e.rule());
}

TEST(Directory, R2_2_DispatchRolesBelongToTheDispatchWindow) {
  json::value doc = valid_doc();
  roles(doc, 3).push_back("dispatch_operator");
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].people[3].roles: dispatch_operator outside the "
            "dispatch window (R2.2)",
            failure(doc).to_string());
}

TEST(Directory, R2_2_DispatchAgencyNeedsADispatchWindow) {
  json::value doc = valid_doc();
  agency0(doc).at("units").at(1).as_object()["kind"] = "field";
  const error e = failure(doc);
  EXPECT_EQ("directory.json: agencies[0].units", e.field());
  EXPECT_EQ("no unit of kind dispatch_window", e.message());
  EXPECT_EQ("R2.2", e.rule());
}

TEST(Directory, R2_2_OnlyDispatchAgenciesHaveADispatchWindow) {
  json::value doc = valid_doc();
  agency0(doc)["dispatch"] = false;
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].units[1].kind: dispatch_window in a "
            "non-dispatch agency (R2.2)",
            failure(doc).to_string());
}

TEST(Directory, R4_4_AtLeastFourEmergencyContacts) {
  json::value doc = valid_doc();
  roles(doc, 3) = {"handler"};
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].people: needs at least 4 emergency_contact "
            "people, found 3 (R4.4)",
            failure(doc).to_string());
}

TEST(Directory, R4_4_EmergencyContactNeedsAPhone) {
  json::value doc = valid_doc();
  person_at(doc, 3)["channels"] = json::object{{"email", "h@example.invalid"}};
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].people[3].channels: an emergency_contact "
            "needs a phone channel (R4.4)",
            failure(doc).to_string());
}

TEST(Directory, UnknownRolesChannelsKindsAndKeysAreRejected) {
  json::value doc = valid_doc();
  roles(doc, 3).push_back("boss");
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].people[3].roles[2]: unknown role \"boss\"",
            failure(doc).to_string());
  doc = valid_doc();
  person_at(doc, 0).at("channels").as_object()["fax"] = "+886-2-0000-9999";
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].people[0].channels.fax: unknown channel",
            failure(doc).to_string());
  doc = valid_doc();
  agency0(doc).at("units").at(2).as_object()["kind"] = "garage";
  EXPECT_EQ("directory.json: agencies[0].units[2].kind", failure(doc).field());
  doc = valid_doc();
  agency0(doc)["phone"] = "1999";
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].phone: unknown key", failure(doc).to_string());
}

TEST(Directory, PersonUnitMustExistInTheAgency) {
  json::value doc = valid_doc();
  person_at(doc, 3)["unit"] = "b-field";
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].people[3].unit: unknown unit \"b-field\" in "
            "this agency",
            failure(doc).to_string());
}

TEST(Directory, IdsAreUniqueAcrossTheWholeDirectory) {
  json::value doc = valid_doc();
  agency0(doc).at("units").at(2).as_object()["id"] = "a";
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].units[2].id: duplicate id \"a\" (also "
            "agencies[0].id)",
            failure(doc).to_string());
}

TEST(Directory, ParentMustExistAndNotLoop) {
  json::value doc = valid_doc();
  agency0(doc)["parent"] = "pwd";
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].parent: unknown agency \"pwd\"",
            failure(doc).to_string());
  agency0(doc)["parent"] = "a";
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].parent: the parent chain loops",
            failure(doc).to_string());
}

TEST(Directory, ErrorsNeverShowNamesOrAddresses) {
  json::value doc = valid_doc();
  person_at(doc, 1).at("channels").as_object()["phone"] = "+886-2-0000-12x4";
  const error e = failure(doc);
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].people[1].channels.phone: must be a phone "
            "number",
            e.to_string());
  person_at(doc, 1).at("channels").as_object()["phone"] = "+886-2-0000-1234";
  person_at(doc, 1).at("channels").as_object()["email"] = "Person 2 at home";
  const std::string text = failure(doc).to_string();
  EXPECT_EQ(std::string::npos, text.find("Person 2"));
  EXPECT_EQ("invalid_definition: directory.json: agencies[0].people[1].channels.email: must be an e-mail "
            "address",
            text);
}

// Both shipped cities: the directory is valid and every item's agency exists, executes dispatch work and has
// duty officers to notify (R6.3).
void check_city(const std::string& city) {
  auto d = directory::from_json(load_json(city + "/directory.json"), "directory.json");
  ASSERT_TRUE(d) << city << ": " << d.error().to_string();
  auto t = item_table::from_json(load_json(city + "/items.json"), "items.json");
  ASSERT_TRUE(t) << city << ": " << t.error().to_string();
  ASSERT_NE(nullptr, d->find("call-centre")) << city;
  EXPECT_FALSE(d->resolve("call-centre", "call_taker").empty()) << city;
  EXPECT_FALSE(d->resolve("call-centre", "supervisor").empty()) << city;
  for (const item& i : t->items()) {
    const agency* a = d->find(i.agency);
    ASSERT_NE(nullptr, a) << city << ": " << i.code << " names unknown agency " << i.agency;
    EXPECT_TRUE(a->dispatch) << city << ": " << i.agency;
    EXPECT_FALSE(d->resolve(i.agency, "duty_officer").empty()) << city << ": " << i.agency;
  }
}

TEST(Directory, ShippedTaipeiAndNycDirectoriesCoverTheirItemTables) {
  check_city("taipei");
  check_city("nyc");
}

TEST(Directory, ShippedTaipeiDirectoryKeepsTheOfficeHierarchy) {
  auto d = directory::from_json(load_json("taipei/directory.json"), "directory.json");
  ASSERT_TRUE(d) << d.error().to_string();
  ASSERT_NE(nullptr, d->find("pwd-parks-lights"));
  EXPECT_EQ("pwd", d->find("pwd-parks-lights")->parent);
  EXPECT_EQ("臺北市政府工務局公園路燈工程管理處", d->find("pwd-parks-lights")->name_zh);
  ASSERT_EQ(1u, d->resolve("pwd", "dispatch_manager").size());
}

}  // namespace
}  // namespace casework
