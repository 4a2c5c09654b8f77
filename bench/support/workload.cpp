#include "workload.hpp"

#include <iostream>

#include "casework/case.hpp"
#include "casework/interpreter.hpp"
#include "casework/intake.hpp"
#include "latency.hpp"

namespace casework::bench {

namespace json = boost::json;

std::shared_ptr<const bundle> taipei_rules() {
  auto rules = load_bundle(bundle_paths::taipei(CASEWORK_SOURCE_WORKFLOWS_DIR));
  if (!rules) {
    std::cerr << "cannot load the Taipei rules: " << rules.error().to_string() << "\n";
    std::exit(2);
  }
  return *rules;
}

lifecycle::lifecycle(std::shared_ptr<const bundle> rules) : rules_(std::move(rules)) {
  const auto* it = rules_->items.find(item_);
  std::string agency = it ? it->agency : "pwd-parks-lights";
  for (const auto* p : rules_->people.resolve(agency, "duty_officer")) duty_officers_.push_back(p->id);
  for (const auto* p : rules_->people.resolve(agency, "handler")) handlers_.push_back(p->id);
  if (duty_officers_.empty() || handlers_.empty()) {
    std::cerr << "the directory has no duty officer or handler for " << agency << "\n";
    std::exit(2);
  }
}

command lifecycle::create(std::size_t i) const {
  auto n = std::to_string(i);
  json::object input{{"item", item_},
                     {"district", "Da'an"},
                     // An address only: coordinates would put neighbouring cases within the repeat radius.
                     {"location", json::object{{"address", "No. " + n + ", Bench Rd, Da'an"}}},
                     {"description", "streetlight out at lamp post " + n},
                     {"reporter", json::object{{"name", "Citizen " + n}, {"phone", "09" + std::to_string(10000000 + i % 90000000)}}},
                     {"reply", "sms"}};
  return {"create", "call_taker", "cc-ct-1", std::move(input)};
}

std::vector<command> lifecycle::after_create(std::size_t i) const {
  const auto& officer = duty_officers_[i % duty_officers_.size()];
  const auto& handler = handlers_[i % handlers_.size()];
  return {
      {"sign", "duty_officer", officer, {}},
      {"assign", "duty_officer", officer, {{"handler", handler}}},
      {"report", "handler", handler, {{"result", "lamp replaced"}, {"finding", "fixed"}}},
      {"report", "handler", handler, {{"result", "wiring checked"}, {"finding", "fixed"}}},
  };
}

expected<fill_result> fill_store(event_log& store, const bundle& rules, const fill_plan& plan,
                                 const std::function<void(std::size_t)>& progress) {
  stopwatch watch;
  const auto* def = rules.definitions.latest("dispatch").get();
  if (!def) return error(errc::not_found, "no dispatch definition", "rules");
  context ctx{rules.calendar, rules.items, rules.people};
  lifecycle work(std::shared_ptr<const bundle>(std::shared_ptr<const bundle>{}, &rules));
  case_id_sequence ids;
  auto day = rules.calendar.day_of(plan.first);
  fill_result out;
  std::vector<case_events> group;
  for (std::size_t i = 0; i < plan.cases; ++i) {
    auto id = ids.next("", day);
    if (!id) {   // the day's numbers are used up: continue on the next day's
      day = day + date::days(1);
      id = ids.next("", day);
      if (!id) return id.error();
    }
    instant at = plan.first + std::chrono::milliseconds(i);
    auto cmd = work.create(i);
    auto events = decide_create(*def, ctx, create_request{*id, "", work.item(), cmd}, at);
    if (!events) return events.error();
    auto state = fold(*events);
    if (!state) return state.error();
    if (plan.open_every > 1 && i % plan.open_every != 0) {  // closed: the rest of the lifecycle
      int minute = 0;
      for (const auto& next : work.after_create(i)) {
        auto more = decide(*def, ctx, *state, next, at + std::chrono::minutes(++minute));
        if (!more) return more.error();
        for (auto& e : *more)
          if (auto applied = apply(*state, e); !applied.ok()) return applied.error();
        events->insert(events->end(), std::make_move_iterator(more->begin()), std::make_move_iterator(more->end()));
      }
    } else {
      ++out.open;
    }
    out.events += events->size();
    out.last = at;
    // What the engine writes with a batch: snapshot, directory entry and the durable timers (format 2), so
    // that an engine opened over the store finds the cases' reminders in its timer index.
    auto derived = std::make_shared<const case_derived>(derive(*state, pending_timers(*def, ctx, *state)));
    group.push_back(case_events{*id, std::move(*events), std::move(derived)});
    if (group.size() == plan.group || i + 1 == plan.cases) {
      if (auto st = store.append_group(group); !st.ok()) return st.error();
      group.clear();
      if (progress) progress(i + 1);
    }
  }
  out.cases = plan.cases;
  out.seconds = watch.seconds();
  return out;
}

}  // namespace casework::bench
